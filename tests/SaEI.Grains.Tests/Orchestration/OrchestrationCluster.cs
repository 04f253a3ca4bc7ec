using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Orchestration;

/// <summary>
/// A real two-silo in-process cluster on Azurite (grain state, reminders, checkpoints, metrics) with the simulated
/// executor and short leases (5 s lease — 2 s restarted healthy runs on a machine at load 25 — 200 ms check), shared by
/// the orchestration tests. Each test uses its own experiment id, and may install a fault hook for its experiment
/// through <see cref="Hooks"/>.
/// </summary>
public sealed class OrchestrationCluster : IAsyncLifetime
{
    /// <summary>Fault hooks by experiment id, called before every simulated step of that experiment's runs.</summary>
    public static ConcurrentDictionary<string, Func<RunExecutionContext, int, CancellationToken, Task>> Hooks { get; } =
        new();

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        var builder = TestClusterPorts.Builder(2);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>A small valid spec: 2 methods × 3 seeds, checkpoint every 3, eval every 2, one ood benchmark.</summary>
    public static string Spec(
        string experiment,
        int steps = 6,
        int seeds = 3,
        string methods = "grpo: {}\n  saei: { step_size: 0.0078 }",
        int maxFailures = 3
    ) => SweepSpecs.Small(experiment, steps, seeds, methods, maxFailures: maxFailures);

    /// <summary>The devices every worker of this cluster owns (Saei:Worker:Devices); each attempt is given
    /// them.</summary>
    public static IReadOnlyList<string> NodeDevices { get; } = ["cpu", "cpu"];

    public static string NewExperimentId() => $"t-{Guid.NewGuid():N}"[..14];

    /// <summary>Launches and waits until every run is terminal; returns the final status.</summary>
    public async Task<SweepStatus> RunToEndAsync(
        string experiment,
        string spec,
        Dictionary<string, string>? executorOptions = null,
        int timeoutSeconds = 45
    )
    {
        var grain = Grains.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(
            spec,
            executorOptions ?? new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "5" }
        );
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        SweepStatus? status = null;
        await Eventually.HoldsAsync(
            async () => (status = await grain.GetStatusAsync()).Finished,
            TimeSpan.FromSeconds(timeoutSeconds),
            $"every run of {experiment} Completed, Failed or Cancelled"
        );
        return status!;
    }

    public static CheckpointStore Checkpoints() =>
        new(ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer), TimeProvider.System);

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddSaeiStorage(Azurite.ConnectionString)
                .AddSaeiOrchestration(Azurite.ConnectionString, runsWorker: true, SimulatedSilo.Settings);
            silo.Services.Configure<RunLifecycleOptions>(o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(5);
                o.CheckPeriod = TimeSpan.FromMilliseconds(200);
                o.ReminderPeriod = TimeSpan.FromSeconds(5);
            });
            silo.Services.Configure<WorkerOptions>(o =>
            {
                o.Slots = 4;
                o.PollPeriod = TimeSpan.FromMilliseconds(200);
                o.Devices = [.. NodeDevices];
            });
            silo.Services.AddSingleton(
                new SimulatedFaults
                {
                    BeforeStep = (context, step, cancellation) =>
                        Hooks.TryGetValue(context.ExperimentId, out var hook)
                            ? hook(context, step, cancellation)
                            : Task.CompletedTask,
                }
            );
        }
    }
}

[CollectionDefinition(Name)]
public sealed class OrchestrationCollection : ICollectionFixture<OrchestrationCluster>
{
    public const string Name = "orchestration cluster";
}
