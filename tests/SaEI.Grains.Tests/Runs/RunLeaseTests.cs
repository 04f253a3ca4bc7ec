using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using SaEI.Grains.Runs;
using SaEI.Grains.Tests.Orchestration;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Runs;

/// <summary>
/// The run grain's lease on a real cluster without workers (Azurite state): the test plays the worker, so nothing
/// reports unless it does. An 8 s lease, a 200 ms check.
/// </summary>
public sealed class RunLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(8);

    private TestCluster cluster = null!;

    private IGrainFactory Grains => cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        var builder = TestClusterPorts.Builder(1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task Re_activating_the_run_grain_does_not_renew_the_lease_of_a_worker_that_stopped_reporting()
    {
        // A silo membership has not seen yet (an incarnation newer than any: an older unknown one counts as Dead), so
        // only the lease can end the assignment.
        string ghost = $"127.0.0.1:9@{int.MaxValue}";
        var run = await PendingRunAsync();
        var clock = Stopwatch.StartNew();
        Assert.NotNull(await run.AssignAsync(ghost));
        var management = Grains.GetGrain<IManagementGrain>(0);
        RunStatus status = null!;
        // Collect every idle activation between looks: before the deadline was stored, each re-activation granted a
        // fresh lease and the run never left the silent worker.
        await Eventually.HoldsAsync(
            async () =>
            {
                await management.ForceActivationCollection(TimeSpan.FromMilliseconds(1));
                return (status = await run.GetStatusAsync()).State == RunState.Pending;
            },
            Lease * 3,
            "the run went back to Pending when the worker's lease ran out",
            TimeSpan.FromMilliseconds(300)
        );
        Assert.True(
            clock.Elapsed < TestTimeouts.Scaled(Lease + TimeSpan.FromSeconds(2)),
            $"took {clock.Elapsed} for a {Lease} lease"
        );
        var lost = Assert.Single(status.Failures);
        Assert.Equal((FailureKind.WorkerLost, ghost), (lost.Kind, lost.Worker));
        Assert.Contains("lease ran out", lost.Message, StringComparison.Ordinal);
        Assert.Contains($"lease {Lease.TotalSeconds} s", lost.Message, StringComparison.Ordinal);
        Assert.Null(status.LeaseDeadline);
    }

    [Fact]
    public async Task A_run_on_a_silo_that_membership_declared_dead_is_reassigned_before_its_lease_runs_out()
    {
        var extra = await cluster.StartAdditionalSiloAsync();
        string worker = extra.SiloAddress.ToParsableString();
        var run = await PendingRunAsync();
        var clock = Stopwatch.StartNew();
        Assert.NotNull(await run.AssignAsync(worker));
        var deadline = (await run.GetStatusAsync()).LeaseDeadline;
        Assert.NotNull(deadline);
        await cluster.StopSiloAsync(extra); // graceful: it leaves membership as Dead at once
        RunStatus status = null!;
        await Eventually.HoldsAsync(
            async () => (status = await run.GetStatusAsync()).State == RunState.Pending,
            Lease,
            "the run left the dead silo's worker",
            TimeSpan.FromMilliseconds(100)
        );
        Assert.True(clock.Elapsed < Lease, $"took {clock.Elapsed}: the run waited for its {Lease} lease");
        var lost = Assert.Single(status.Failures);
        Assert.Equal((FailureKind.WorkerLost, worker), (lost.Kind, lost.Worker));
        Assert.Contains("declared dead", lost.Message, StringComparison.Ordinal);
        Assert.True(lost.At < deadline, $"lost at {lost.At}, lease until {deadline}");
    }

    [Fact]
    public async Task A_second_activation_that_hears_no_reports_leaves_the_run_with_a_worker_that_commits_to_the_first()
    {
        // A second cluster on the same storage holds a second activation of the run (as a duplicate does during
        // directory churn, or a cluster that fired this run's reminder): it reads the state once and hears no report.
        string ghost = $"127.0.0.1:9@{int.MaxValue}"; // unknown to both memberships: only the lease can end it
        var run = await PendingRunAsync();
        var assignment = await run.AssignAsync(ghost);
        Assert.NotNull(assignment);
        var otherBuilder = TestClusterPorts.Builder(1);
        otherBuilder.AddSiloBuilderConfigurator<Configurator>();
        await using var other = otherBuilder.Build();
        await other.DeployAsync();
        try
        {
            var duplicate = other.GrainFactory.GetGrain<IRunGrain>(run.GetPrimaryKeyString());
            Assert.Equal(RunState.Running, (await duplicate.GetStatusAsync()).State);
            // The worker keeps committing to the first activation, past the deadline the duplicate read and beyond.
            var until = DateTimeOffset.UtcNow + Lease * 1.5;
            for (int step = 1; DateTimeOffset.UtcNow < until; step++)
            {
                Assert.Equal(
                    ReportVerdict.Accepted,
                    await run.ReportProgressAsync(assignment.Epoch, step, new Dictionary<string, double>())
                );
                Assert.Equal(ReportVerdict.Accepted, await run.ConfirmCommitAsync(assignment.Epoch, step));
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
            var status = await run.GetStatusAsync();
            Assert.True(
                status.Failures.Count == 0,
                "taken off the live worker: " + string.Join(" | ", status.Failures.Select(f => f.Message))
            );
            Assert.Equal((RunState.Running, ghost, assignment.Epoch), (status.State, status.Worker, status.Epoch));
        }
        finally
        {
            await other.StopAllSilosAsync();
        }
    }

    private async Task<IRunGrain> PendingRunAsync()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        string runId = $"grpo-{Guid.NewGuid():N}"[..13] + "-s1";
        var run = Grains.GetGrain<IRunGrain>(runId);
        await run.InitializeAsync(
            new RunDescriptor
            {
                ExperimentId = experiment,
                RunId = runId,
                Method = "grpo",
                ConfigKey = "",
                Seed = 1,
                Steps = 10,
                CheckpointEvery = 5,
                EvalEvery = 5,
            }
        );
        Assert.Equal(RunState.Pending, (await run.GetStatusAsync()).State);
        return run;
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddSaeiStorage(Azurite.ConnectionString)
                .AddSaeiOrchestration(Azurite.ConnectionString, runsWorker: false, SimulatedSilo.Settings);
            silo.Services.Configure<RunLifecycleOptions>(o =>
            {
                o.LeaseDuration = Lease;
                o.CheckPeriod = TimeSpan.FromMilliseconds(200);
                o.ReminderPeriod = TimeSpan.FromSeconds(5);
            });
        }
    }
}
