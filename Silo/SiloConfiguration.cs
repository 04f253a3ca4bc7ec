using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;
using SaEI.Grains.Workers;

namespace SaEI.Silo;

/// <summary>How a SaEI silo is wired to Azure Storage: blob grain state, table reminders and (multi-silo)
/// clustering.</summary>
public static class SiloConfiguration
{
    /// <summary>
    /// Grain storage (Azure Blob) and reminders (Azure Table) on the given account. The SDK retries ~25 s with
    /// exponential backoff (0.5 s → 4 s) so a short storage outage delays grain writes instead of failing them.
    /// </summary>
    public static ISiloBuilder AddSaeiStorage(this ISiloBuilder silo, string connectionString)
    {
        silo.AddAzureBlobGrainStorage(
            StorageNames.GrainState,
            options =>
            {
                options.BlobServiceClient = new BlobServiceClient(connectionString, Patient(new BlobClientOptions()));
                options.ContainerName = StorageNames.GrainStateContainer;
            }
        );
        silo.UseAzureTableReminderService(options =>
            options.TableServiceClient = new TableServiceClient(connectionString, Patient(new TableClientOptions()))
        );
        // Grain state is plain data (records, lists, dictionaries): store it as plain JSON without $type names. With
        // type names, a list built by a collection expression is written as a compiler-generated type that the
        // reader's type allow-list refuses, and the grain could never be read back.
        // Likewise no $id/$ref: Newtonsoft cannot rebuild a read-only dictionary that carries a reference id.
        silo.Services.Configure<Orleans.Serialization.OrleansJsonSerializerOptions>(options =>
        {
            options.JsonSerializerSettings.TypeNameHandling = Newtonsoft.Json.TypeNameHandling.None;
            options.JsonSerializerSettings.PreserveReferencesHandling = Newtonsoft.Json.PreserveReferencesHandling.None;
        });
        return silo;
    }

    /// <summary>
    /// Azure Table clustering, for several silo processes that find each other through storage. The service id is
    /// the cluster id: reminders are stored per service id, and every silo of a service loads and fires all of its
    /// reminders. With one service id for all clusters, a cluster sharing the storage account (another deployment,
    /// or a test beside another) fired this cluster's run reminders and activated a second copy of the run grain,
    /// which knew neither the worker's silo nor its reports and took healthy runs off their workers.
    /// </summary>
    public static ISiloBuilder UseSaeiClustering(
        this ISiloBuilder silo,
        string connectionString,
        string clusterId,
        System.Net.IPAddress address,
        int siloPort,
        int gatewayPort
    )
    {
        silo.UseAzureStorageClustering(options =>
            options.TableServiceClient = new TableServiceClient(connectionString, Patient(new TableClientOptions()))
        );
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = clusterId;
            options.ServiceId = ServiceIdOf(clusterId);
        });
        silo.ConfigureEndpoints(address, siloPort, gatewayPort);
        return silo;
    }

    /// <summary>The configuration key choosing the run executor: <see cref="TorchExecutor"/> or
    /// <see cref="SimulatedExecutor"/>.</summary>
    public const string ExecutorKey = "Saei:Executor";
    public const string TorchExecutor = "torch";
    public const string SimulatedExecutor = "simulated";

    /// <summary>
    /// The orchestration's services: blob stores (data container), checkpoints, metrics, the run executor and the
    /// benchmark evaluator chosen by <see cref="ExecutorKey"/>, run lifecycle and worker options from configuration
    /// ("Saei:Runs", "Saei:Worker", "Saei:Torch", "Saei:Simulation", validated when the silo starts:
    /// <see cref="OptionsValidators"/>), and — on gpu/all silos — the worker starter.
    /// Decision: <see cref="ExecutorKey"/> must be set. Unset, a silo used to simulate training without a word; now it
    /// refuses to be built, naming the key and its values, so the simulated executor runs only by explicit choice.
    /// </summary>
    public static ISiloBuilder AddSaeiOrchestration(
        this ISiloBuilder silo,
        string connectionString,
        bool runsWorker,
        IConfiguration? configuration = null
    )
    {
        var services = silo.Services;
        services.TryAddSingleton(TimeProvider.System);
        // The meters of runs and the scheduler, from the host's meter factory (exported only when Saei:Metrics
        // says so: SiloTelemetry).
        services.AddMetrics();
        services.TryAddSingleton<RunMetrics>();
        services.TryAddSingleton<SchedulerMetrics>();
        services.TryAddSingleton(sp =>
            ResilientBlobStore.Connect(
                connectionString,
                StorageNames.DataContainer,
                time: sp.GetRequiredService<TimeProvider>()
            )
        );
        var checkpointOptions = configuration?.GetSection(CheckpointStoreOptions.Section).Get<CheckpointStoreOptions>();
        services.TryAddSingleton(sp => new CheckpointStore(
            sp.GetRequiredService<ResilientBlobStore>(),
            sp.GetRequiredService<TimeProvider>(),
            checkpointOptions
        ));
        services.TryAddSingleton(sp => new MetricsLog(sp.GetRequiredService<ResilientBlobStore>()));
        services.TryAddSingleton<ICheckpointBackend, BlobCheckpointBackend>();
        services.TryAddSingleton<SimulatedFaults>();
        // Data roots and read limits (issue #11): checked at launch on every silo and when a worker loads data.
        var data = new DataOptions();
        configuration?.GetSection(DataOptions.Section).Bind(data);
        services.TryAddSingleton(data.Validate());
        string executor = ExecutorOf(configuration);
        if (executor == TorchExecutor)
        {
            var torch = new TorchExecutorOptions();
            configuration?.GetSection(TorchExecutorOptions.Section).Bind(torch);
            services.TryAddSingleton(OptionsValidators.ThrowIfInvalid(new TorchExecutorOptionsValidator(), torch));
            services.TryAddSingleton(sp => new ModelStore(
                sp.GetRequiredService<ResilientBlobStore>(),
                torch.ModelCache
            ));
            services.TryAddSingleton<IRunExecutor, TorchRunExecutor>();
            services.TryAddSingleton<IBenchmarkEvaluator, TorchBenchmarkEvaluator>();
        }
        services.TryAddSingleton<IRunExecutor, SimulatedRunExecutor>();
        services.TryAddSingleton<IBenchmarkEvaluator, SimulatedBenchmarkEvaluator>();
        var simulation = new SimulatedExecutorOptions();
        if (
            double.TryParse(
                configuration?["Saei:Simulation:StepMilliseconds"],
                System.Globalization.CultureInfo.InvariantCulture,
                out double stepMs
            )
        )
            simulation.StepDuration = TimeSpan.FromMilliseconds(stepMs);
        services.TryAddSingleton(simulation);
        services.AddSingleton<IValidateOptions<RunLifecycleOptions>, RunLifecycleOptionsValidator>();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        var runs = services.AddOptions<RunLifecycleOptions>().ValidateOnStart();
        var workers = services.AddOptions<WorkerOptions>().ValidateOnStart();
        if (configuration is not null)
        {
            runs.Bind(configuration.GetSection(RunLifecycleOptions.Section));
            workers.Bind(configuration.GetSection(WorkerOptions.Section));
            SpecLimits.From(configuration); // a limit that is not positive stops the silo at start, naming the setting
            services.Configure<SpecLimits>(configuration.GetSection(SpecLimits.Section));
        }
        // Reminders wake runs after a silo crash; allow the short periods tests configure (Orleans' floor is 1 min).
        silo.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        if (runsWorker)
            GpuWorkerStarter.AddSaeiWorker(services);
        return silo;
    }

    /// <summary>The executor <see cref="ExecutorKey"/> names; <see cref="ArgumentException"/> naming the key, its
    /// environment form and the values when it is unset or unknown.</summary>
    public static string ExecutorOf(IConfiguration? configuration)
    {
        string? executor = configuration?[ExecutorKey];
        string values =
            $"set {ExecutorKey} (environment Saei__Executor) to '{TorchExecutor}' (the real trainer) or "
            + $"'{SimulatedExecutor}' (compute-free steps, for orchestration tests and benchmarks)";
        if (string.IsNullOrWhiteSpace(executor))
            throw new ArgumentException($"{ExecutorKey} is not set; {values}.");
        if (executor is not (TorchExecutor or SimulatedExecutor))
            throw new ArgumentException($"{ExecutorKey} is '{executor}'; {values}.");
        return executor;
    }

    /// <summary>The Orleans service id of the cluster with this id (reminders are kept per service id).</summary>
    public static string ServiceIdOf(string clusterId) => $"saei-{clusterId}";

    /// <summary>The service id of a local (loopback, no cluster id) silo: one per gateway port.</summary>
    public static string LocalServiceIdOf(int gatewayPort) => ServiceIdOf($"local-{gatewayPort}");

    private static T Patient<T>(T options)
        where T : ClientOptions
    {
        options.Retry.MaxRetries = 8;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }
}
