using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Tests.Orchestration;
using SaEI.Grains.Workers;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Workers;

/// <summary>
/// A gracefully stopped worker silo hands its run back at once: its own cluster (the primary silo is control-only,
/// every other silo a worker) with a 60 s lease, so a run that waited for its lease would fail the test.
/// </summary>
[Trait("Category", "Slow")]
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_worker_silo_stopped_gracefully_hands_its_run_back_at_once_a_new_silo_resumes_it_bit_exact()
    {
        await Azurite.EnsureRunningAsync();
        var builder = TestClusterPorts.Builder(2);
        builder.AddSiloBuilderConfigurator<Configurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            string experiment = OrchestrationCluster.NewExperimentId();
            var grain = cluster.GrainFactory.GetGrain<IExperimentGrain>(experiment);
            var launched = await grain.LaunchAsync(
                OrchestrationCluster.Spec(experiment, steps: 30, seeds: 1, methods: "grpo: {}"),
                new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "100" }
            );
            Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
            var run = cluster.GrainFactory.GetGrain<IRunGrain>(Assert.Single(launched.RunIds));
            RunStatus before = null!;
            await Eventually.HoldsAsync(
                async () =>
                    (before = await run.GetStatusAsync()).State == RunState.Running && before.CheckpointStep >= 6,
                TimeSpan.FromSeconds(30),
                "the run committed its step-6 checkpoint"
            );
            var workerSilo = cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == before.Worker);

            var clock = Stopwatch.StartNew();
            await cluster.StopSiloAsync(workerSilo);
            var handedBack = await run.GetStatusAsync();
            Assert.True(
                handedBack.State == RunState.Pending,
                $"state {handedBack.State} (worker {handedBack.Worker}, stopped {before.Worker}) right after the "
                    + $"stop; notes: {string.Join(" | ", handedBack.Notes)}"
            );
            Assert.Equal(1, handedBack.Restarts);
            Assert.True(handedBack.Epoch > before.Epoch);
            var release = Assert.Single(handedBack.Failures);
            Assert.Equal(FailureKind.WorkerLost, release.Kind);
            Assert.Contains("handed the run back", release.Message, StringComparison.Ordinal);

            await cluster.StartAdditionalSiloAsync();
            RunStatus after = null!;
            await Eventually.HoldsAsync(
                async () => (after = await run.GetStatusAsync()).State == RunState.Completed,
                TimeSpan.FromSeconds(40),
                "the run completed on the new silo"
            );
            Assert.True(clock.Elapsed < Lease, $"took {clock.Elapsed}: the run waited for its lease");
            Assert.Equal(1, after.Restarts);
            Assert.Contains(
                after.Notes,
                n =>
                    n.Contains(
                        $"resumed from the checkpoint of step {handedBack.CheckpointStep}",
                        StringComparison.Ordinal
                    )
            );
            Assert.Equal(after.CommittedSteps.Distinct().Order(), after.CommittedSteps.Order());
            Assert.Equal([3, 6, 9, 12, 15, 18, 21, 24, 27, 30], after.CommittedSteps.Order());
            var descriptor = Assert.Single(await grain.GetRunsAsync());
            Assert.Equal(
                Convert.ToHexStringLower(SHA256.HashData(SimulatedRunExecutor.WeightsAfter(descriptor, 30))),
                after.FinalWeightsSha256
            );
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            bool worker = silo.Configuration["Orleans:Name"] != "Primary";
            silo.AddSaeiStorage(Azurite.ConnectionString)
                .AddSaeiOrchestration(Azurite.ConnectionString, runsWorker: worker, SimulatedSilo.Settings);
            silo.Services.Configure<RunLifecycleOptions>(o =>
            {
                o.LeaseDuration = Lease;
                o.CheckPeriod = TimeSpan.FromMilliseconds(200);
                o.ReminderPeriod = TimeSpan.FromSeconds(5);
            });
            silo.Services.Configure<WorkerOptions>(o => o.PollPeriod = TimeSpan.FromMilliseconds(200));
        }
    }
}
