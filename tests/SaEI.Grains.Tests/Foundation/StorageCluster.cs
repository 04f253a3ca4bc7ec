using Orleans.TestingHost;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Foundation;

/// <summary>A one-silo in-process test cluster whose grain storage is Azure Blob storage on Azurite.</summary>
public sealed class StorageCluster : IAsyncDisposable
{
    private StorageCluster(TestCluster cluster) => Cluster = cluster;

    public TestCluster Cluster { get; }

    public IGrainFactory GrainFactory => Cluster.GrainFactory;

    public static async Task<StorageCluster> StartAsync()
    {
        await Azurite.EnsureRunningAsync();
        var builder = TestClusterPorts.Builder(1);
        builder.AddSiloBuilderConfigurator<AzureStorageSilo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new StorageCluster(cluster);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class AzureStorageSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddSaeiStorage(Azurite.ConnectionString);
    }
}
