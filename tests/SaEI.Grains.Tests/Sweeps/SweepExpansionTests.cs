using System.Security.Cryptography;
using System.Text;
using SaEI.Gpu.Training;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Tests.Sweeps;

public sealed class SweepExpansionTests
{
    [Fact]
    public void Methods_times_grid_times_seeds_in_a_fixed_order()
    {
        var runs = SweepExpansion.Expand(SweepSpecParser.ParseOrThrow(SpecSamples.Grid));

        Assert.Equal(2 * 2 * 2 * 3, runs.Count); // methods × learning rates × step sizes × seeds
        // Methods by name; grid axes by key (learning_rate, then step_size fastest); seeds ascending (fastest).
        Assert.Equal(["grpo", "saei"], runs.Select(r => r.Method).Distinct());
        Assert.Equal(
            [
                "learning_rate=1.0e-4,step_size=0.0078",
                "learning_rate=1.0e-4,step_size=0.0157",
                "learning_rate=3.0e-4,step_size=0.0078",
                "learning_rate=3.0e-4,step_size=0.0157",
            ],
            runs.Where(r => r.Method == "grpo").Select(r => r.ConfigLabel).Distinct()
        );
        Assert.Equal([1, 2, 3], runs.Take(3).Select(r => r.Seed));
        Assert.Equal(24, runs.Select(r => r.RunId).Distinct().Count());
    }

    [Fact]
    public void Options_resolve_defaults_then_rollout_then_method_then_grid()
    {
        var runs = SweepExpansion.Expand(SweepSpecParser.ParseOrThrow(SpecSamples.Grid));
        var run = runs.Single(r =>
            r.Method == "saei" && r.ConfigLabel == "learning_rate=3.0e-4,step_size=0.0157" && r.Seed == 2
        );

        Assert.Equal(RlMethod.Saei, run.Options.Method);
        Assert.Equal(8, run.Options.GroupSize); // method
        Assert.Equal(4, run.Options.PromptsPerStep); // rollout
        Assert.Equal(3.0e-4, run.Options.LearningRate); // grid
        Assert.Equal(0.0157, run.Options.StepSize); // grid
        Assert.Equal(new RlOptions().ClipHigh, run.Options.ClipHigh); // default
        Assert.Equal(20, run.Steps);
        Assert.Equal(5, run.EvalEvery);
        Assert.Equal(10, run.CheckpointEvery);
        Assert.Equal(3, run.MaxFailures);
        Assert.Contains("learning_rate=0.0003\n", run.ResolvedConfig, StringComparison.Ordinal);
        Assert.EndsWith("\nsteps=20", run.ResolvedConfig, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ids_are_short_path_safe_and_derived_from_experiment_method_config_and_seed()
    {
        var runs = SweepExpansion.Expand(SweepSpecParser.ParseOrThrow(SpecSamples.Grid));
        foreach (var run in runs)
        {
            Assert.Matches("^(grpo|saei)-[0-9a-f]{8}-s[123]$", run.RunId);
            Assert.True(Ids.IsValid(run.RunId));
            string hex = Convert.ToHexStringLower(
                SHA256.HashData(Encoding.UTF8.GetBytes($"synth-grid\n{run.Method}\n{run.ResolvedConfig}"))
            )[..8];
            Assert.Equal($"{run.Method}-{hex}-s{run.Seed}", run.RunId);
        }
        // Seeds of one config share the hex; configs differ.
        Assert.Single(
            runs.Where(r =>
                    r.Method == "saei"
                    && r.ConfigLabel.StartsWith("learning_rate=1.0e-4,step_size=0.0078", StringComparison.Ordinal)
                )
                .Select(r => r.RunId[..^3])
                .Distinct()
        );
        Assert.Equal(8, runs.Select(r => r.RunId[..^3]).Distinct().Count());
    }

    [Fact]
    public void Ids_and_fingerprint_do_not_depend_on_yaml_key_order_or_number_spelling()
    {
        var a = SweepSpecParser.ParseOrThrow(SpecSamples.Grid);
        var b = SweepSpecParser.ParseOrThrow(SpecSamples.GridReordered);
        Assert.Equal(
            SweepExpansion.Expand(a).Select(r => r.RunId).Order(),
            SweepExpansion.Expand(b).Select(r => r.RunId).Order()
        );
        Assert.Equal(SpecFingerprint.Compute(a), SpecFingerprint.Compute(b));
        // The methods' order is by name, whatever the YAML order.
        Assert.Equal(SweepExpansion.Expand(a).Select(r => r.Method), SweepExpansion.Expand(b).Select(r => r.Method));
    }

    [Fact]
    public void A_changed_value_changes_the_fingerprint_and_the_affected_ids_only()
    {
        var a = SweepSpecParser.ParseOrThrow(SpecSamples.Grid);
        var changed = SweepSpecParser.ParseOrThrow(
            SpecSamples.Grid.Replace("saei: { group_size: 8,", "saei: { group_size: 6,", StringComparison.Ordinal)
        );
        Assert.NotEqual(SpecFingerprint.Compute(a), SpecFingerprint.Compute(changed));
        var idsA = SweepExpansion.Expand(a).ToDictionary(r => r.RunId);
        var idsChanged = SweepExpansion.Expand(changed).ToDictionary(r => r.RunId);
        Assert.Equal(
            idsA.Keys.Where(k => k.StartsWith("grpo", StringComparison.Ordinal)),
            idsChanged.Keys.Where(k => k.StartsWith("grpo", StringComparison.Ordinal))
        );
        Assert.Empty(idsA.Keys.Where(k => k.StartsWith("saei", StringComparison.Ordinal)).Intersect(idsChanged.Keys));

        // Same content under another experiment id: every run id changes.
        var other = SweepSpecParser.ParseOrThrow(
            SpecSamples.Grid.Replace("experiment: synth-grid", "experiment: synth-grid-2", StringComparison.Ordinal)
        );
        Assert.Empty(SweepExpansion.Expand(other).Select(r => r.RunId).Intersect(idsA.Keys));
    }

    [Fact]
    public void Expansion_is_deterministic_across_calls()
    {
        var spec = SweepSpecParser.ParseOrThrow(SpecSamples.Grid);
        Assert.Equal(
            SweepExpansion.Expand(spec).Select(r => r.RunId),
            SweepExpansion.Expand(spec).Select(r => r.RunId)
        );
    }

    [Fact]
    public void Without_a_grid_there_is_one_default_config_per_method()
    {
        var runs = SweepExpansion.Expand(SweepSpecParser.ParseOrThrow(SpecSamples.Minimal("grpo: {}\n  saei: {}")));
        Assert.Equal(["grpo-", "saei-"], runs.Select(r => r.RunId[..5]));
        Assert.All(runs, r => Assert.Equal("default", r.ConfigLabel));
    }
}
