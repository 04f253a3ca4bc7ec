using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Tests.Sweeps;

/// <summary>Sections left out take their documented defaults, also when a run is shorter than them (issue #11, item
/// 10).</summary>
public sealed class SpecDefaultsTests
{
    private static string Spec(int steps, string extra = "") =>
        SpecSamples.Minimal(extra: extra).Replace("steps: 10", $"steps: {steps}", StringComparison.Ordinal);

    [Fact]
    public void A_spec_without_eval_and_checkpoint_sections_takes_the_defaults_even_when_steps_is_smaller()
    {
        // Was: "unexpected KeyNotFoundException: The given key 'every' was not present" for steps < 5 (eval) or < 10
        // (checkpoint).
        var result = SweepSpecParser.Parse(Spec(3));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        // 5: runs also evaluate and checkpoint at their last step
        Assert.Equal(new EvalSpec().Every, result.Spec!.Eval.Every);
        Assert.Equal(new CheckpointSpec().Every, result.Spec.Checkpoint.Every);
        var run = Assert.Single(SweepExpansion.Expand(result.Spec));
        Assert.Equal(5, run.EvalEvery);

        // sections without `every`
        Assert.True(SweepSpecParser.Parse(Spec(3, "eval: { temperature: 0.5 }\ncheckpoint: { keep_last: 2 }")).Ok);
    }

    [Fact]
    public void An_explicit_every_beyond_steps_names_the_key_and_what_to_set()
    {
        var errors = SweepSpecParser.Parse(Spec(3, "eval: { every: 5 }\ncheckpoint: { every: 4 }")).Errors;
        Assert.Contains(
            errors,
            e =>
                e.Path == "eval.every"
                && e.Message.StartsWith(
                    "is 5 but steps is 3; only the final evaluation would run (set ≤ 3",
                    StringComparison.Ordinal
                )
                && e.Line is not null
        );
        Assert.Contains(
            errors,
            e => e.Path == "checkpoint.every" && e.Message.StartsWith("is 4 but steps is 3", StringComparison.Ordinal)
        );
    }

    [Theory]
    [InlineData("saei: { group_size: 2147483647 }", "is 2147483647; set 2..1024 responses per prompt")]
    [InlineData("saei: { group_size: 1023 }", "must be even (set 1024)")]
    [InlineData("saei: { group_size: 7 }", "must be even (set 8)")]
    [InlineData("grpo: { group_size: -2147483648 }", "is -2147483648; set 2..1024")]
    public void Group_size_hints_stay_in_range(string methods, string expected)
    {
        var error = Assert.Single(SweepSpecParser.Parse(SpecSamples.Minimal(methods)).Errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("set -", error.Message, StringComparison.Ordinal);
    }
}
