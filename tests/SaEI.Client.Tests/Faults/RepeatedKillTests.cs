using System.Globalization;
using System.Security.Cryptography;
using SaEI.Client.Tests.Commands;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Workers;
using SaEI.Testing;
using Xunit.Abstractions;

namespace SaEI.Client.Tests.Faults;

/// <summary>
/// One silo that is never killed beside a series of silos each killed with SIGKILL a few seconds after it starts
/// training (real processes, Azure Table clustering on Azurite, the simulated executor). Runs on a killed worker are
/// reassigned within the lease plus membership's failure detection, and runs on live silos are never restarted
/// (a kill once deactivated the surviving silo's worker grain, DirectoryFailure, which handed its runs back).
/// </summary>
[Trait("Category", "Slow"), Collection(SiloProcess.Collection)]
public sealed class RepeatedKillTests(ITestOutputHelper output)
{
    private const int Kills = 3;
    private const int Steps = 200;

    /// <summary>Lease (8 s, <see cref="SiloKillTests.FastFailover"/>).</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Failure detection: 2 missed probes × 1 s ProbeTimeout, one vote, then the death's table write and gossip, and
    /// the run grain's next look (0.5 s timer, or the 2 s reminder for a grain that died with the silo): 5 s.
    /// </summary>
    private static readonly TimeSpan Detection = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Runs_on_killed_silos_move_within_lease_plus_failure_detection_and_runs_on_live_silos_stay()
    {
        await Azurite.EnsureRunningAsync();
        string clusterId = $"rkill-{Guid.NewGuid():N}"[..17];
        var environment = new Dictionary<string, string>(SiloKillTests.FastFailover)
        {
            ["SAEI_STORAGE"] = Azurite.ConnectionString,
            ["Saei__Worker__Slots"] = "2",
            ["Logging__LogLevel__SaEI"] = "Warning",
            // "is pulling work": the silo is up
            ["Logging__LogLevel__SaEI.Grains.Workers.GpuWorkerStarter"] = "Information",
        };
        var startup = TimeSpan.FromSeconds(60);
        var first = await SiloProcess.StartManyAsync(2, clusterId, environment, startup);
        var silos = new List<SiloProcess>(first);
        try
        {
            var survivor = first[0];
            var victim = first[1];
            string logs() => string.Concat(silos.Select(s => $"\nsilo {s.WorkerId} log:\n{s.LogTail()}"));
            await using var connection = await SiloKillTests.ConnectWhenUpAsync(clusterId, logs);
            string experiment = TestSpecs.NewExperimentId();
            var sweep = connection.Client.GetGrain<IExperimentGrain>(experiment);
            var launched = await sweep.LaunchAsync(
                TestSpecs.Spec(experiment, steps: Steps, seeds: 3, checkpointEvery: 5),
                new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "100" }
            );
            Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message + logs());

            var killedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            for (int kill = 0; kill < Kills; kill++)
            {
                string worker = victim.WorkerId!;
                await Eventually.HoldsAsync(
                    async () =>
                        (await TryStatusAsync(sweep))?.Runs.Any(r => r.Worker == worker && r.State == RunState.Running)
                        == true,
                    TimeSpan.FromSeconds(60),
                    $"a run running on {worker}" + logs(),
                    TimeSpan.FromMilliseconds(500)
                );
                victim.KillHard();
                killedAt[worker] = DateTimeOffset.UtcNow;
                output.WriteLine($"killed {worker} at {killedAt[worker]:HH:mm:ss.fff}");
                victim = await SiloProcess.StartAsync(clusterId, environment, startup); // the last one lives
                silos.Add(victim);
            }

            SweepStatus status = null!;
            await Eventually.HoldsAsync(
                async () => (status = await TryStatusAsync(sweep) ?? status)?.Finished == true,
                TimeSpan.FromSeconds(180),
                "the sweep finished" + logs(),
                TimeSpan.FromMilliseconds(500)
            );

            Assert.False(survivor.Exited, "the silo that was never killed exited" + logs());
            var failures = status.Runs.SelectMany(r => r.Failures.Select(f => (r.RunId, Failure: f))).ToList();
            foreach (var (runId, failure) in failures)
            {
                output.WriteLine(
                    $"{runId}: {failure.Kind} on {failure.Worker} at {failure.At:HH:mm:ss.fff}: {failure.Message}"
                );
                Assert.True(
                    failure.Worker is not null && killedAt.ContainsKey(failure.Worker),
                    $"run {runId} was restarted from worker {failure.Worker}, which was never killed: {failure.Message}"
                        + logs()
                );
                Assert.Equal(FailureKind.WorkerLost, failure.Kind);
                var held = failure.At!.Value - killedAt[failure.Worker];
                output.WriteLine(
                    $"  taken off the dead worker {held.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} "
                        + $"s after the kill"
                );
                Assert.True(
                    held <= Lease + Detection,
                    $"run {runId} stayed on dead worker {failure.Worker} for {held.TotalSeconds:0.0} s; allowed: "
                        + $"lease {Lease.TotalSeconds} s + detection {Detection.TotalSeconds} s"
                );
            }
            Assert.True(
                failures.Count >= Kills,
                $"{failures.Count} runs were on the {Kills} killed workers: the test killed idle silos"
            );
            var descriptors = (await sweep.GetRunsAsync()).ToDictionary(r => r.RunId);
            foreach (var run in status.Runs)
            {
                Assert.Equal(RunState.Completed, run.State);
                Assert.Equal(
                    Convert.ToHexStringLower(
                        SHA256.HashData(SimulatedRunExecutor.WeightsAfter(descriptors[run.RunId], Steps))
                    ),
                    run.FinalWeightsSha256
                );
            }
        }
        finally
        {
            foreach (var silo in silos)
                silo.Dispose();
        }
    }

    /// <summary>The sweep's status, or null while calls fail (a call caught on its way to a silo that just
    /// died).</summary>
    private static async Task<SweepStatus?> TryStatusAsync(IExperimentGrain sweep)
    {
        try
        {
            return await sweep.GetStatusAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }
}
