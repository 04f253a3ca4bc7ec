using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>model.path with model.base (ModelSource decision 4): the node's folder when it has one, else the blob
/// copy.</summary>
public sealed class ModelSourceLocateTests : IAsyncLifetime
{
    private readonly string work = Directory.CreateTempSubdirectory("saei-locate-").FullName;
    private ResilientBlobStore blobs = null!;
    private string container = "";

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        container = (await Azurite.NewContainerAsync("locate")).Name;
        blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, container);
    }

    public async Task DisposeAsync()
    {
        await new Azure.Storage.Blobs.BlobContainerClient(Azurite.ConnectionString, container).DeleteIfExistsAsync();
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task A_node_with_the_folder_reads_it_and_a_node_without_it_fetches_the_blob_copy()
    {
        var store = new ModelStore(blobs, Path.Combine(work, "cache"));
        string source = Directory.CreateDirectory(Path.Combine(work, "source")).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "config.json"), """{"family": "tiny-vlm"}""");
        await File.WriteAllBytesAsync(Path.Combine(source, "model.safetensors"), [1, 2, 3]);
        await store.UploadAsync("blob-copy", source, CancellationToken.None);
        var data = new DataOptions { Roots = [work] };

        var local = new ModelSpec(ModelFamily.Qwen25Vl, "blob-copy", source);
        Assert.Equal(source, await ModelSource.LocateAsync(local, store, data, CancellationToken.None));

        var missing = local with { Path = Path.Combine(work, "not-on-this-node") };
        string fetched = await ModelSource.LocateAsync(missing, store, data, CancellationToken.None);
        Assert.StartsWith(Path.Combine(work, "cache"), fetched, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(fetched, "model.safetensors")));

        // Without a blob copy a missing folder is still the configuration error naming it.
        var pathOnly = missing with
        {
            Base = null,
        };
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() =>
            ModelSource.LocateAsync(pathOnly, store, data, CancellationToken.None)
        );
    }
}
