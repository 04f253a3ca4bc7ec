using System.Text;
using Azure.Storage.Blobs;
using SaEI.Grains.Diagnostics;
using SaEI.Grains.Storage;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Foundation;

public sealed class StackCheckGrainTests
{
    [Fact]
    public async Task Grain_state_lives_in_Azure_blob_storage_and_survives_deactivation()
    {
        await using var cluster = await StorageCluster.StartAsync();
        {
            string key = $"test-{Guid.NewGuid():N}";
            var grain = cluster.GrainFactory.GetGrain<IStackCheckGrain>(key);
            Assert.Equal(1, await grain.IncrementAsync());
            Assert.Equal(2, await grain.IncrementAsync());
            await grain.DeactivateAsync();

            // A fresh activation reads the state back from storage.
            Assert.Equal(2, await grain.GetAsync());

            // And the state really is a blob in Azurite, named after the grain.
            var container = new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient(
                StorageNames.GrainStateContainer
            );
            var names = new List<string>();
            await foreach (var item in container.GetBlobsAsync())
                names.Add(item.Name);
            string name = Assert.Single(names, n => n.Contains(key, StringComparison.Ordinal));
            string json = Encoding.UTF8.GetString(
                (await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray()
            );
            Assert.Contains("2", json, StringComparison.Ordinal);
        }
    }
}
