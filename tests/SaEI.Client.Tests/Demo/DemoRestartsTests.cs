using SaEI.Client.Reports;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;

namespace SaEI.Client.Tests.Demo;

/// <summary>Issue #11 item 1: the demo's report and last lines count the sweep's restarts; a fault-free sweep shows
/// 0.</summary>
public sealed class DemoRestartsTests
{
    [Fact]
    public void A_fault_free_sweep_shows_zero_restarts()
    {
        var status = new SweepStatus("demo", true, [Run("grpo-s1", 0), Run("saei-s1", 0)]);

        Assert.Equal("Restarts: 0 over 2 runs.", SweepReport.RestartsLine(status));
    }

    [Fact]
    public void Restarts_are_summed_over_runs_and_the_restarted_runs_named_with_their_last_failure()
    {
        var failure = new FailureRecord(FailureKind.Infrastructure, "ExternalException: …", Step: 7, Epoch: 2);
        var status = new SweepStatus(
            "demo",
            true,
            [Run("grpo-s1", 2) with { Failures = [failure] }, Run("saei-s1", 0), Run("saei-s2", 1)]
        );

        Assert.Equal(
            "Restarts: 3 over 3 runs (grpo-s1 2: Infrastructure at step 7; saei-s2 1).",
            SweepReport.RestartsLine(status)
        );
    }

    private static RunStatus Run(string id, int restarts) =>
        new()
        {
            RunId = id,
            ExperimentId = "demo",
            Method = id[..4],
            ConfigKey = "k",
            Seed = 1,
            State = RunState.Completed,
            Restarts = restarts,
        };
}
