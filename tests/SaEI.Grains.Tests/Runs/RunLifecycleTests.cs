using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Tests.Orchestration;
using SaEI.Grains.Workers;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Runs;

/// <summary>Leases, fencing, failure classes and checkpoint fallback on a real cluster with the simulated
/// executor.</summary>
[Collection(OrchestrationCollection.Name)]
public sealed class RunLifecycleTests(OrchestrationCluster fixture)
{
    private static string Sha(RunStatus r, int steps, int checkpointEvery = 3) =>
        Convert.ToHexStringLower(
            SHA256.HashData(
                SimulatedRunExecutor.WeightsAfter(
                    new RunDescriptor
                    {
                        ExperimentId = r.ExperimentId,
                        RunId = r.RunId,
                        Method = r.Method,
                        ConfigKey = r.ConfigKey,
                        Seed = r.Seed,
                        Steps = steps,
                        CheckpointEvery = checkpointEvery,
                        EvalEvery = 2,
                    },
                    steps
                )
            )
        );

    private static string Explain(RunStatus run) =>
        $"restarts {run.Restarts}; failures: {string.Join(" | ", run.Failures)}; notes: "
        + $"{string.Join(" | ", run.Notes)}";

    [Fact]
    public async Task Deactivating_the_worker_grains_while_runs_train_neither_stops_nor_restarts_the_runs()
    {
        // Orleans deactivates a worker grain when the silo owning its directory entry dies (DirectoryFailure); a forced
        // collection of every idle activation stands in for that here.
        string experiment = OrchestrationCluster.NewExperimentId();
        var grain = fixture.Grains.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(
            OrchestrationCluster.Spec(experiment, steps: 40, seeds: 2, methods: "grpo: {}"),
            new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "100" }
        );
        var locals = fixture
            .Cluster.Silos.Cast<Orleans.TestingHost.InProcessSiloHandle>()
            .Select(silo => silo.SiloHost.Services.GetRequiredService<LocalWorker>())
            .ToList();
        int activationsBefore = locals.Sum(l => l.FrontActivations);
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        SweepStatus status = null!;
        await Eventually.HoldsAsync(
            async () =>
            {
                if ((status = await grain.GetStatusAsync()).Runs.Any(r => r.State == RunState.Running))
                    await management.ForceActivationCollection(TimeSpan.FromMilliseconds(1));
                return status.Finished;
            },
            TimeSpan.FromSeconds(40),
            "both runs finished",
            TimeSpan.FromMilliseconds(300)
        );
        Assert.True(
            locals.Sum(l => l.FrontActivations) > activationsBefore,
            "no worker grain was deactivated and activated again: the test proved nothing"
        );
        Assert.All(
            status.Runs,
            r =>
            {
                Assert.Equal(RunState.Completed, r.State);
                Assert.True(r.Restarts == 0, Explain(r));
                Assert.Equal(Sha(r, 40), r.FinalWeightsSha256);
            }
        );
        Assert.Equal(2, launched.RunIds.Count);
    }

    [Fact]
    public async Task A_hung_worker_loses_its_lease_the_run_resumes_elsewhere_at_a_higher_epoch_the_stale_one_fenced()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var release = new TaskCompletionSource();
        var calls = new ConcurrentBag<(long Epoch, int Step)>();
        OrchestrationCluster.Hooks[experiment] = async (context, step, cancellation) =>
        {
            calls.Add((context.Epoch, step));
            if (context.Epoch == 1 && step == 5)
                await release.Task; // hangs past its lease (5 s) after committing step 3
        };
        var grain = fixture.Grains.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(
            OrchestrationCluster.Spec(experiment, steps: 9, seeds: 1, methods: "grpo: {}"),
            new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "5" }
        );
        var run = fixture.Grains.GetGrain<IRunGrain>(Assert.Single(launched.RunIds));

        await Eventually.HoldsAsync(
            async () => (await run.GetStatusAsync()).State == RunState.Completed,
            TimeSpan.FromSeconds(30),
            "the run completed by its second worker"
        );
        var status = await run.GetStatusAsync();
        Assert.Equal(1, status.Restarts);
        Assert.Equal(FailureKind.WorkerLost, Assert.Single(status.Failures).Kind);
        Assert.True(status.Epoch >= 2);
        Assert.Equal([3, 6, 9], status.CommittedSteps);
        Assert.Contains(
            status.Notes,
            n => n.Contains("resumed from the checkpoint of step 3", StringComparison.Ordinal)
        );
        Assert.Equal(Sha(status, 9), status.FinalWeightsSha256);
        Assert.DoesNotContain(calls, c => c.Epoch > 1 && c.Step <= 3); // the new attempt resumed after step 3

        // The stale worker wakes up: its report of step 5 is rejected and it stops (it never reaches step 6).
        release.SetResult();
        Assert.Equal(ReportVerdict.Fenced, await run.ReportProgressAsync(1, 5, new Dictionary<string, double>()));
        Assert.Equal(ReportVerdict.Fenced, await run.AuthorizeCommitAsync(1, 6));
        var workers = fixture
            .Cluster.Silos.Select(silo => fixture.Grains.GetGrain<IGpuWorkerGrain>(silo.SiloAddress.ToParsableString()))
            .ToList();
        await Eventually.HoldsAsync(
            async () =>
                (await Task.WhenAll(workers.Select(w => w.GetInfoAsync()))).All(i =>
                    !i.RunningRuns.Contains(status.RunId)
                ),
            TimeSpan.FromSeconds(10),
            "the stale worker stopped and freed its slot"
        );
        Assert.DoesNotContain(calls, c => c.Epoch == 1 && c.Step > 5);
        Assert.Equal([3, 6, 9], (await run.GetStatusAsync()).CommittedSteps);
    }

    [Fact]
    public async Task A_numeric_failure_is_retried_from_the_last_checkpoint_and_ends_bit_identical()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var status = await fixture.RunToEndAsync(
            experiment,
            OrchestrationCluster.Spec(experiment, steps: 7, seeds: 1, methods: "grpo: {}"),
            new Dictionary<string, string>
            {
                [SimulatedRunExecutor.FailAtStepKey] = "5",
                [SimulatedRunExecutor.FailKindKey] = "numeric",
            }
        );
        var run = Assert.Single(status.Runs);
        Assert.Equal(RunState.Completed, run.State);
        Assert.True(run.Restarts == 1, Explain(run));
        Assert.Equal(FailureKind.Numeric, Assert.Single(run.Failures).Kind);
        Assert.Equal([3, 6, 7], run.CommittedSteps);
        Assert.Equal(Sha(run, 7), run.FinalWeightsSha256);
    }

    [Fact]
    public async Task Every_attempt_is_given_its_workers_devices_for_the_shard_plan()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var seen = new ConcurrentBag<string>();
        OrchestrationCluster.Hooks[experiment] = (context, _, _) =>
        {
            seen.Add(string.Join(",", context.Devices));
            return Task.CompletedTask;
        };
        var run = Assert.Single(
            (
                await fixture.RunToEndAsync(
                    experiment,
                    OrchestrationCluster.Spec(experiment, steps: 3, seeds: 1, methods: "grpo: {}")
                )
            ).Runs
        );
        Assert.Equal(RunState.Completed, run.State);
        Assert.Equal(["cpu,cpu", "cpu,cpu", "cpu,cpu"], seen);
    }

    [Fact]
    public async Task A_configuration_failure_is_not_retried_and_infrastructure_failures_stop_after_max_failures()
    {
        string configExperiment = OrchestrationCluster.NewExperimentId();
        var config = Assert.Single(
            (
                await fixture.RunToEndAsync(
                    configExperiment,
                    OrchestrationCluster.Spec(configExperiment, steps: 4, seeds: 1, methods: "grpo: {}"),
                    new Dictionary<string, string>
                    {
                        [SimulatedRunExecutor.FailAtStepKey] = "2",
                        [SimulatedRunExecutor.FailKindKey] = "configuration",
                    }
                )
            ).Runs
        );
        Assert.Equal(RunState.Failed, config.State);
        Assert.Equal(0, config.Restarts);
        Assert.Contains(config.Notes, n => n.Contains("fix the configuration", StringComparison.Ordinal));

        string infraExperiment = OrchestrationCluster.NewExperimentId();
        var infra = Assert.Single(
            (
                await fixture.RunToEndAsync(
                    infraExperiment,
                    OrchestrationCluster.Spec(infraExperiment, steps: 4, seeds: 1, methods: "grpo: {}", maxFailures: 2),
                    new Dictionary<string, string>
                    {
                        [SimulatedRunExecutor.FailAtStepKey] = "2",
                        [SimulatedRunExecutor.FailAttemptsKey] = "100",
                    }
                )
            ).Runs
        );
        Assert.Equal(RunState.Failed, infra.State);
        Assert.True(infra.Restarts == 2, Explain(infra)); // two retries allowed, the third failure ends it
        Assert.Equal(3, infra.Failures.Count(f => f.Kind == FailureKind.Infrastructure));
    }

    [Fact]
    public async Task Flipped_bytes_in_the_latest_checkpoint_make_the_resume_fall_back_to_the_previous_one_and_say_so()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var checkpoints = OrchestrationCluster.Checkpoints();
        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer);
        OrchestrationCluster.Hooks[experiment] = async (context, step, cancellation) =>
        {
            if (context.Restarts > 0 || step != 8)
                return;
            // Steps 3 and 6 are committed; flip a byte of step 6's weights, then die.
            string path = BlobPaths.CheckpointFile(
                context.ExperimentId,
                context.RunId,
                6,
                SimulatedRunExecutor.WeightsFile
            );
            var found = (BlobReadResult.Found)await blobs.ReadAsync(path, cancellation);
            byte[] bytes = found.Content.ToArray();
            bytes[0] ^= 0xFF;
            await blobs.WriteAsync(path, BinaryData.FromBytes(bytes), WriteCondition.Overwrite, cancellation);
            throw new RunFailureException(FailureKind.Infrastructure, "test: the node died", step);
        };
        var status = await fixture.RunToEndAsync(
            experiment,
            OrchestrationCluster.Spec(experiment, steps: 9, seeds: 1, methods: "grpo: {}")
        );
        var run = Assert.Single(status.Runs);
        Assert.Equal(RunState.Completed, run.State);
        Assert.True(run.Restarts == 1, Explain(run));
        Assert.Contains(
            run.Notes,
            n => n.Contains("step-000006", StringComparison.Ordinal) && n.Contains("skipped", StringComparison.Ordinal)
        );
        Assert.Contains(run.Notes, n => n.Contains("resumed from the checkpoint of step 3", StringComparison.Ordinal));
        Assert.Equal(Sha(run, 9), run.FinalWeightsSha256);
        using var latest = await checkpoints.TryLoadLatestIntactAsync(experiment, run.RunId);
        Assert.Equal(9, latest.Checkpoint!.Step);
    }
}
