using System.Security.Cryptography;
using SaEI.Grains.Storage;
using SaEI.Grains.Training;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>The local model cache: private to the user (0700), keyed by the manifest's SHA-256, checked on download
/// (issue #11, item 10).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ModelStoreTests : IAsyncLifetime
{
    private readonly string work = Directory.CreateTempSubdirectory("saei-models-").FullName;
    private ResilientBlobStore blobs = null!;
    private string container = "";

    private string Cache => Path.Combine(work, "cache", "saei", "models");

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        container = (await Azurite.NewContainerAsync("models")).Name;
        blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, container);
    }

    public async Task DisposeAsync()
    {
        await new Azure.Storage.Blobs.BlobContainerClient(Azurite.ConnectionString, container).DeleteIfExistsAsync();
        Directory.Delete(work, recursive: true);
    }

    private async Task<string> UploadAsync(ModelStore store, string name, byte[] weights)
    {
        string source = Directory.CreateDirectory(Path.Combine(work, "src-" + Guid.NewGuid().ToString("N"))).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "config.json"), """{"family": "tiny-vlm"}""");
        await File.WriteAllBytesAsync(Path.Combine(source, "model.safetensors"), weights);
        await store.UploadAsync(name, source, CancellationToken.None);
        return source;
    }

    [Fact]
    public async Task A_copy_lives_in_a_private_folder_named_by_the_manifest_hash_and_a_rebuilt_model_gets_a_new_one()
    {
        var store = new ModelStore(blobs, Cache);
        await UploadAsync(store, "m1", [1, 2, 3]);
        string first = await store.EnsureLocalAsync("models/m1", CancellationToken.None);

        var manifest = (
            (BlobReadResult.Found)await blobs.ReadAsync(BlobPaths.ModelFilePath("m1", ModelStore.ManifestFile))
        ).Content.ToArray();
        Assert.Equal(Path.Combine(Cache, "m1-" + Convert.ToHexStringLower(SHA256.HashData(manifest))[..16]), first);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(first, "model.safetensors")));
        Assert.Contains(
            Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 })),
            System.Text.Encoding.UTF8.GetString(manifest),
            StringComparison.Ordinal
        );
        var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(owner, File.GetUnixFileMode(Cache));
        Assert.Equal(owner, File.GetUnixFileMode(Path.GetDirectoryName(Cache)!));

        Assert.Equal(first, await store.EnsureLocalAsync("m1", CancellationToken.None)); // cached
        await UploadAsync(store, "m1", [4, 5, 6]);
        string rebuilt = await store.EnsureLocalAsync("m1", CancellationToken.None);
        Assert.NotEqual(first, rebuilt);
        Assert.Equal([4, 5, 6], await File.ReadAllBytesAsync(Path.Combine(rebuilt, "model.safetensors")));
    }

    [Fact]
    public async Task A_cache_open_to_others_is_narrowed_and_a_file_that_does_not_match_its_manifest_is_refused()
    {
        Directory.CreateDirectory(Cache);
        File.SetUnixFileMode(Cache, (UnixFileMode)0b111_111_111);
        var store = new ModelStore(blobs, Cache);
        await UploadAsync(store, "m2", [7, 7, 7]);
        await blobs.WriteAsync(
            BlobPaths.ModelFilePath("m2", "model.safetensors"),
            BinaryData.FromBytes([6, 6, 6]),
            WriteCondition.Overwrite
        );
        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            store.EnsureLocalAsync("m2", CancellationToken.None)
        );
        Assert.Contains(
            "models/m2/model.safetensors does not match its manifest",
            error.Message,
            StringComparison.Ordinal
        );
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Cache)
        );
        Assert.DoesNotContain(Directory.GetDirectories(Cache), d => File.Exists(Path.Combine(d, ".complete")));
    }

    [Fact]
    public async Task A_model_uploaded_without_a_manifest_is_keyed_by_the_manifest_of_what_was_downloaded()
    {
        var store = new ModelStore(blobs, Cache);
        await blobs.WriteAsync(
            BlobPaths.ModelFilePath("legacy", "model.safetensors"),
            BinaryData.FromBytes([9]),
            WriteCondition.Overwrite
        );
        await blobs.WriteAsync(
            BlobPaths.ModelFilePath("legacy", "config.json"),
            BinaryData.FromString("{}"),
            WriteCondition.Overwrite
        );
        string local = await store.EnsureLocalAsync("legacy", CancellationToken.None);
        byte[] manifest = await File.ReadAllBytesAsync(Path.Combine(local, ModelStore.ManifestFile));
        Assert.EndsWith(
            "legacy-" + Convert.ToHexStringLower(SHA256.HashData(manifest))[..16],
            local,
            StringComparison.Ordinal
        );
        Assert.Equal(local, await store.EnsureLocalAsync("legacy", CancellationToken.None));
    }

    [Fact]
    public void The_default_cache_is_per_user_not_the_shared_temp_folder()
    {
        string folder = ModelStore.DefaultCacheDirectory();
        Assert.EndsWith(Path.Combine("saei", "models"), folder, StringComparison.Ordinal);
        Assert.NotEqual(Path.Combine(Path.GetTempPath(), "saei-models"), folder);
    }
}
