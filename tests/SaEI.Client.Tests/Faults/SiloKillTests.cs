using System.Globalization;
using System.Security.Cryptography;
using SaEI.Client.Commands;
using SaEI.Client.Tests.Commands;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Workers;
using SaEI.Testing;

namespace SaEI.Client.Tests.Faults;

/// <summary>Two real silo processes on Azure Table clustering (Azurite); the one executing a run is killed with
/// SIGKILL.</summary>
[Trait("Category", "Slow"), Collection(SiloProcess.Collection)]
public sealed class SiloKillTests
{
    /// <summary>Short leases, reminders and failure detection so the test takes well under 90 s.</summary>
    public static readonly Dictionary<string, string> FastFailover = new()
    {
        ["Saei__Executor"] = "simulated",
        // 8 s: long enough that a loaded machine (a build beside the tests) does not stall a healthy worker past it;
        // a killed worker is caught by membership (about 2 s) long before.
        ["Saei__Runs__LeaseDuration"] = "00:00:08",
        ["Saei__Runs__CheckPeriod"] = "00:00:00.500",
        ["Saei__Runs__ReminderPeriod"] = "00:00:02",
        ["Saei__Worker__PollPeriod"] = "00:00:00.500",
        ["Saei__Worker__WatchdogPeriod"] = "00:00:01",
        ["Saei__Membership__ProbeTimeout"] = "00:00:01",
        ["Saei__Membership__NumMissedProbesLimit"] = "2",
        ["Saei__Membership__NumVotesForDeathDeclaration"] = "1",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__SaEI"] = "Information",
        ["Logging__LogLevel__Orleans.Runtime.MembershipService"] = "Information",
    };

    [Fact]
    public async Task Kill_9_of_the_executing_silo_resumes_the_run_on_the_other_silo_from_its_checkpoint_bit_identical()
    {
        await Azurite.EnsureRunningAsync();
        string clusterId = $"kill-{Guid.NewGuid():N}"[..17];
        var environment = new Dictionary<string, string>(FastFailover) { ["SAEI_STORAGE"] = Azurite.ConnectionString };
        var silos = await SiloProcess.StartManyAsync(2, clusterId, environment, TimeSpan.FromSeconds(60));
        using var a = silos[0];
        using var b = silos[1];
        string logs() => $"\nsilo A log:\n{a.LogTail()}\nsilo B log:\n{b.LogTail()}";

        await using var connection = await ConnectWhenUpAsync(clusterId, logs);
        string experiment = TestSpecs.NewExperimentId();
        var launched = await connection
            .Client.GetGrain<IExperimentGrain>(experiment)
            .LaunchAsync(
                TestSpecs.Spec(experiment, steps: 40, seeds: 1, methods: "grpo: {}", checkpointEvery: 5),
                new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "100" }
            );
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message + logs());
        var run = connection.Client.GetGrain<IRunGrain>(Assert.Single(launched.RunIds));

        RunStatus before = null!;
        await Eventually.HoldsAsync(
            async () => (before = await run.GetStatusAsync()).CheckpointStep >= 10 && before.Worker is not null,
            TimeSpan.FromSeconds(40),
            "the run committed its step-10 checkpoint on a worker" + logs()
        );
        int port = int.Parse(before.Worker!.Split(':')[1].Split('@')[0], CultureInfo.InvariantCulture);
        var victim = port == a.SiloPort ? a : b;
        var survivor = port == a.SiloPort ? b : a;
        Assert.True(port == victim.SiloPort, $"worker {before.Worker} is neither silo");
        victim.KillHard();

        RunStatus after = null!;
        string last = "";
        try
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    try
                    {
                        after = await run.GetStatusAsync();
                        last =
                            $"state {after.State}, step {after.Step}, worker {after.Worker}, epoch {after.Epoch}, "
                            + $"notes {string.Join(" | ", after.Notes)}";
                        return after.State == RunState.Completed;
                    }
                    catch (Exception e)
                    {
                        // calls to the dead silo fail until it is declared dead
                        last = e.GetType().Name + ": " + e.Message;
                        return false;
                    }
                },
                TimeSpan.FromSeconds(60),
                "the run completed on the surviving silo"
            );
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last seen: {last}; killed {before.Worker}" + logs(), e);
        }

        Assert.False(survivor.Exited, "the surviving silo exited" + logs());
        Assert.Equal(1, after.Restarts);
        var lost = Assert.Single(after.Failures);
        Assert.Equal(FailureKind.WorkerLost, lost.Kind);
        Assert.Contains(before.Worker, lost.Message, StringComparison.Ordinal);
        string resumedNote = Assert.Single(
            after.Notes,
            n => n.Contains("resumed from the checkpoint of step", StringComparison.Ordinal)
        );
        int resumedFrom = int.Parse(resumedNote[(resumedNote.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        Assert.True(
            resumedFrom >= before.CheckpointStep,
            $"resumed from {resumedFrom}, but step {before.CheckpointStep} was committed before the kill"
        );
        Assert.Equal(after.CommittedSteps.Distinct().Count(), after.CommittedSteps.Count);
        var descriptor = (await connection.Client.GetGrain<IExperimentGrain>(experiment).GetRunsAsync()).Single();
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(SimulatedRunExecutor.WeightsAfter(descriptor, 40))),
            after.FinalWeightsSha256
        );
    }

    internal static async Task<ClusterConnection> ConnectWhenUpAsync(string clusterId, Func<string> logs)
    {
        var target = new ClusterTarget { ClusterId = clusterId };
        var deadline = DateTime.UtcNow + TestTimeouts.Scaled(TimeSpan.FromSeconds(40));
        while (true)
        {
            try
            {
                return await ClusterConnection.ConnectAsync(target, TextWriter.Null, CancellationToken.None);
            }
            catch (UserFacingException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
            catch (UserFacingException e)
            {
                throw new TimeoutException("no silo of the cluster answered within 40 s" + logs(), e);
            }
        }
    }
}
