using SaEI.Client.Tests.Commands;
using SaEI.Client.Tests.Faults;
using SaEI.Grains.Experiments;
using SaEI.Grains.Workers;
using SaEI.Testing;

namespace SaEI.Client.Tests.Sweeps;

/// <summary>
/// The hostile-spec corpus sent through the gateway to a real `saei silo` process (issue #11, item 2): a spec nested
/// 30,000 levels deep used to overflow the grain thread's stack and kill the process. Now every case is refused with
/// its error, the process is still running afterwards, it still serves calls, and a launched experiment is unchanged.
/// </summary>
[Trait("Category", "Slow")]
public sealed class HostileSpecSiloTests
{
    [Fact]
    public async Task Hostile_specs_through_the_gateway_are_refused_and_the_silo_process_survives()
    {
        await Azurite.EnsureRunningAsync();
        string clusterId = $"hostile-{Guid.NewGuid():N}"[..17];
        var environment = new Dictionary<string, string>(SiloKillTests.FastFailover)
        {
            ["SAEI_STORAGE"] = Azurite.ConnectionString,
        };
        using var silo = SiloProcess.Start(clusterId, TestSpecs.FreePort(), TestSpecs.FreePort(), environment);
        string log() => $"\nsilo log:\n{silo.LogTail()}";
        await using var connection = await SiloKillTests.ConnectWhenUpAsync(clusterId, log);

        string launched = TestSpecs.NewExperimentId();
        var grain = connection.Client.GetGrain<IExperimentGrain>(launched);
        var stepMs = new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "10" };
        var first = await grain.LaunchAsync(TestSpecs.Spec(launched, steps: 3, seeds: 1, methods: "grpo: {}"), stepMs);
        Assert.True(first.Outcome == LaunchOutcome.Launched, first.Message + log());
        SweepStatus before = null!;
        await Eventually.HoldsAsync(
            async () => (before = await grain.GetStatusAsync()).Finished,
            TimeSpan.FromSeconds(40),
            "the launched run finished" + log()
        );

        foreach (var @case in HostileSpecs.All(launched))
        {
            foreach (string target in new[] { launched, TestSpecs.NewExperimentId() })
            {
                var result = await connection.Client.GetGrain<IExperimentGrain>(target).LaunchAsync(@case.Yaml, stepMs);
                Assert.True(
                    result.Outcome == LaunchOutcome.Refused,
                    $"{@case.Name} → {target}: {result.Outcome} {result.Message}" + log()
                );
                foreach (string expected in @case.Expected)
                    Assert.Contains(expected, result.Message, StringComparison.Ordinal);
                Assert.False(silo.Exited, $"the silo exited after {@case.Name}" + log());
            }
        }

        // Alive: the process runs and answers; the launched experiment's committed state is as it was.
        Assert.False(silo.Exited, "the silo exited" + log());
        var after = await grain.GetStatusAsync();
        Assert.Equal(
            before.Runs.Select(r =>
                (r.RunId, r.State, r.Step, string.Join(",", r.CommittedSteps), r.FinalWeightsSha256)
            ),
            after.Runs.Select(r => (r.RunId, r.State, r.Step, string.Join(",", r.CommittedSteps), r.FinalWeightsSha256))
        );
        string next = TestSpecs.NewExperimentId();
        var good = await connection
            .Client.GetGrain<IExperimentGrain>(next)
            .LaunchAsync(TestSpecs.Spec(next, steps: 3, seeds: 1, methods: "grpo: {}"), stepMs);
        Assert.True(good.Outcome == LaunchOutcome.Launched, good.Message + log());
    }
}
