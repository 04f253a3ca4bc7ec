using SaEI.Grains.Experiments;
using SaEI.Grains.Tests.Orchestration;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Experiments;

/// <summary>
/// The hostile-spec corpus sent to the experiment grain of a real in-process cluster (issue #11, item 2): each launch
/// is refused with the error that names the limit, the silos keep serving, and a launched experiment's committed state
/// is unchanged. (A real silo process gets the same corpus in SaEI.Client.Tests/Sweeps/HostileSpecSiloTests.)
/// </summary>
[Collection(OrchestrationCollection.Name)]
public sealed class HostileLaunchTests(OrchestrationCluster fixture)
{
    [Fact]
    public async Task Every_hostile_spec_is_refused_and_a_launched_experiment_is_unchanged()
    {
        string launched = OrchestrationCluster.NewExperimentId();
        var before = await fixture.RunToEndAsync(
            launched,
            OrchestrationCluster.Spec(launched, steps: 3, seeds: 1, methods: "grpo: {}")
        );
        var grain = fixture.Grains.GetGrain<IExperimentGrain>(launched);
        var runsBefore = await grain.GetRunsAsync();

        foreach (var @case in HostileSpecs.All(launched))
        {
            // Once to the launched experiment's own grain, once to a fresh one.
            foreach (string target in new[] { launched, OrchestrationCluster.NewExperimentId() })
            {
                var result = await fixture
                    .Grains.GetGrain<IExperimentGrain>(target)
                    .LaunchAsync(@case.Yaml, new Dictionary<string, string>());
                Assert.True(result.Outcome == LaunchOutcome.Refused, $"{@case.Name} → {target}: {result.Outcome}");
                foreach (string expected in @case.Expected)
                    Assert.Contains(expected, result.Message, StringComparison.Ordinal);
                Assert.True(
                    result.Message.Length < 256 * 1024,
                    $"{@case.Name}: a {result.Message.Length}-character refusal"
                );
                Assert.Empty(result.RunIds);
                if (target != launched)
                    Assert.False((await fixture.Grains.GetGrain<IExperimentGrain>(target).GetStatusAsync()).Launched);
            }
        }

        var after = await grain.GetStatusAsync();
        Assert.Equal(runsBefore.Select(r => r.RunId), (await grain.GetRunsAsync()).Select(r => r.RunId));
        Assert.Equal(
            before.Runs.Select(r =>
                (r.RunId, r.State, r.Step, string.Join(",", r.CommittedSteps), r.FinalWeightsSha256)
            ),
            after.Runs.Select(r => (r.RunId, r.State, r.Step, string.Join(",", r.CommittedSteps), r.FinalWeightsSha256))
        );
        var again = await grain.LaunchAsync(
            OrchestrationCluster.Spec(launched, steps: 3, seeds: 1, methods: "grpo: {}"),
            new Dictionary<string, string>()
        );
        Assert.Equal(LaunchOutcome.AlreadyLaunched, again.Outcome); // the stored spec is still the one launched
    }

    [Fact]
    public async Task Oversized_executor_options_and_a_null_spec_are_refused_naming_the_limit()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var grain = fixture.Grains.GetGrain<IExperimentGrain>(experiment);
        string spec = OrchestrationCluster.Spec(experiment, steps: 3, seeds: 1, methods: "grpo: {}");

        var many = await grain.LaunchAsync(spec, Enumerable.Range(0, 1000).ToDictionary(i => $"k{i}", i => "1"));
        Assert.Equal(LaunchOutcome.Refused, many.Outcome);
        Assert.Contains("1000 executor options; at most 32", many.Message, StringComparison.Ordinal);
        var longValue = await grain.LaunchAsync(
            spec,
            new Dictionary<string, string> { ["step_ms"] = new string('9', 100_000) }
        );
        Assert.Contains(
            "executor option step_ms has a value of 100000 characters; at most 256",
            longValue.Message,
            StringComparison.Ordinal
        );
        var empty = await grain.LaunchAsync(null!, new Dictionary<string, string>());
        Assert.Contains("the spec is empty", empty.Message, StringComparison.Ordinal);
        Assert.False((await grain.GetStatusAsync()).Launched);
    }
}
