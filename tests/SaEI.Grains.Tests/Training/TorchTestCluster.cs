using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Grains.Storage;
using SaEI.Grains.Training;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// A real one-silo cluster with the torch executor on the CPU (one thread, two slots, fast polls), its data root
/// <c>{root}/data</c> and model cache <c>{root}/cache</c>, and a tiny random TinyVlm of the given image and patch size
/// uploaded as <c>models/{Model}</c> for specs to name as their base.
/// </summary>
internal static class TorchTestCluster
{
    private const string RootKey = "SaeiTests:Root";

    public static string DataFolder(string root) => Path.Combine(root, "data");

    public static async Task<(TestCluster Cluster, string Model)> StartAsync(string root, int imageSize, int patchSize)
    {
        await Azurite.EnsureRunningAsync();
        Directory.CreateDirectory(DataFolder(root));
        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer);
        await blobs.EnsureContainerAsync();
        string model = $"tiny-{Guid.NewGuid():N}"[..17];
        string modelFolder = Path.Combine(root, "model-source");
        TorchRuntime.Initialize(1);
        var config = new TinyVlmConfig
        {
            ImageSize = imageSize,
            PatchSize = patchSize,
            VisionHiddenSize = 16,
            VisionLayers = 1,
            VisionHeads = 2,
            VisionIntermediateSize = 32,
            HiddenSize = 32,
            Layers = 1,
            Heads = 4,
            KeyValueHeads = 2,
            IntermediateSize = 64,
        };
        using (var tiny = TinyVlm.Create(config, 1, TorchSharp.torch.CPU))
            tiny.Save(modelFolder);
        await new ModelStore(blobs, Path.Combine(root, "upload-cache")).UploadAsync(
            model,
            modelFolder,
            CancellationToken.None
        );

        var builder = TestClusterPorts.Builder(1);
        builder.Properties[RootKey] = root;
        builder.AddSiloBuilderConfigurator<TorchSilo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return (cluster, model);
    }

    private sealed class TorchSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            string root =
                silo.Configuration[RootKey]
                ?? throw new InvalidOperationException($"{RootKey} is not set; start the cluster with StartAsync.");
            var settings = new ConfigurationBuilder()
                .AddInMemoryCollection(
                    new Dictionary<string, string?>
                    {
                        [SiloConfiguration.ExecutorKey] = SiloConfiguration.TorchExecutor,
                        ["Saei:Torch:Device"] = "cpu",
                        ["Saei:Torch:Threads"] = "1",
                        ["Saei:Torch:ModelCache"] = Path.Combine(root, "cache"),
                        ["Saei:Data:Roots:0"] = DataFolder(root),
                        ["Saei:Worker:Slots"] = "2",
                        ["Saei:Worker:PollPeriod"] = "00:00:00.200",
                        ["Saei:Runs:CheckPeriod"] = "00:00:00.200",
                    }
                )
                .Build();
            silo.AddSaeiStorage(Azurite.ConnectionString)
                .AddSaeiOrchestration(Azurite.ConnectionString, runsWorker: true, settings);
        }
    }
}

/// <summary>
/// One <see cref="TorchTestCluster"/> (32 px images in 16 px patches) for the test classes of
/// <see cref="TorchClusterCollection"/>: started once and shared; each class's sweeps have their own experiment ids.
/// </summary>
public sealed class TorchClusterFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("saei-torch-cluster-").FullName;

    public string DataFolder => TorchTestCluster.DataFolder(Root);

    /// <summary>The base model's name in blob storage (specs name it as <c>models/{Model}</c>).</summary>
    public string Model { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        (Cluster, Model) = await TorchTestCluster.StartAsync(Root, imageSize: 32, patchSize: 16);

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

[CollectionDefinition(nameof(TorchClusterCollection))]
public sealed class TorchClusterCollection : ICollectionFixture<TorchClusterFixture>;
