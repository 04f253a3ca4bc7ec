using System.Security.Cryptography;
using System.Text.Json;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Training;

/// <summary>
/// Base models in blob storage (models/{name}/: config.json, model.safetensors, ..., manifest.json) and their local
/// copies, which TorchSharp loads from a folder. Decisions (issue #11, item 10):
/// 1. An upload writes manifest.json (every file's name, size and SHA-256) after the weights and before config.json,
///    which still marks the model complete.
/// 2. Local copies live in a per-user cache, <c>$XDG_CACHE_HOME/saei/models</c> or <c>~/.cache/saei/models</c>
///    (Saei:Torch:ModelCache moves it), kept at mode 0700: not a shared, world-readable temp folder in which another
///    user could read the weights or plant a copy.
/// 3. A copy's folder is named by the SHA-256 of its manifest, and every downloaded file is checked against the
///    manifest before the copy is marked complete, so a rebuilt model is never served stale. A model uploaded
///    without a manifest (by an older version) is downloaded and hashed on each use, keyed by the manifest of what
///    was downloaded.
/// 4. Files move streamed, in blocks, hashed while they are read or written
///    (<see cref="ResilientBlobStore.UploadFileAsync"/>, <see cref="ResilientBlobStore.DownloadFileAsync"/>): a
///    shard of a 7B model is over 2 GB, more than one .NET array holds.
/// </summary>
public sealed class ModelStore(ResilientBlobStore blobs, string? cacheDirectory = null)
{
    /// <summary>The file that lists a model's files with their SHA-256.</summary>
    public const string ManifestFile = "manifest.json";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Where local copies live (default <see cref="DefaultCacheDirectory"/>).</summary>
    public string CacheDirectory { get; } =
        string.IsNullOrWhiteSpace(cacheDirectory) ? DefaultCacheDirectory() : Path.GetFullPath(cacheDirectory);

    /// <summary>$XDG_CACHE_HOME/saei/models, else ~/.cache/saei/models, else a per-user folder in the temp
    /// folder.</summary>
    public static string DefaultCacheDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "saei", "models");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0
            ? Path.Combine(home, ".cache", "saei", "models")
            : Path.Combine(Path.GetTempPath(), $"saei-{Environment.UserName}", "models");
    }

    /// <summary>"models/tiny-vlm-sft" or "tiny-vlm-sft" → "tiny-vlm-sft" (validated as an id).</summary>
    public static string NameOf(string reference)
    {
        string name = reference.StartsWith("models/", StringComparison.Ordinal)
            ? reference["models/".Length..]
            : reference;
        return Ids.Require(name.TrimEnd('/'), "model");
    }

    /// <summary>True when models/{name}/config.json exists.</summary>
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellation) =>
        await blobs.GetInfoAsync(BlobPaths.ModelFilePath(NameOf(name), "config.json"), cancellation) is not null;

    /// <summary>Uploads every file of <paramref name="directory"/> to models/{name}/, then its manifest, config.json
    /// last (it marks the model complete).</summary>
    public async Task UploadAsync(string name, string directory, CancellationToken cancellation)
    {
        name = NameOf(name);
        var files = Directory
            .GetFiles(directory)
            .Where(f => Path.GetFileName(f) != ManifestFile)
            .OrderBy(f => Path.GetFileName(f) == "config.json" ? 1 : 0)
            .ThenBy(f => f, StringComparer.Ordinal)
            .ToList();
        var entries = new Dictionary<string, CheckpointFileEntry>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string path = BlobPaths.ModelFilePath(name, Path.GetFileName(file));
            if (Path.GetFileName(file) != "config.json")
            {
                // Weights are streamed in blocks, hashed while read (a 7B shard is over 2 GB: never one array).
                var upload = await blobs.UploadFileAsync(path, file, cancellation);
                entries[Path.GetFileName(file)] = new CheckpointFileEntry(upload.Size, upload.Sha256!);
                continue;
            }
            byte[] config = await File.ReadAllBytesAsync(file, cancellation);
            entries[Path.GetFileName(file)] = ModelManifest.EntryOf(config);
            var manifest = BinaryData.FromBytes(ModelManifest.Serialize(entries));
            await blobs.WriteAsync(
                BlobPaths.ModelFilePath(name, ManifestFile),
                manifest,
                WriteCondition.Overwrite,
                cancellation
            );
            await blobs.WriteAsync(path, BinaryData.FromBytes(config), WriteCondition.Overwrite, cancellation);
        }
    }

    /// <summary>A local folder holding the model's files, downloaded (and checked against its manifest) on first
    /// use.</summary>
    public async Task<string> EnsureLocalAsync(string name, CancellationToken cancellation)
    {
        name = NameOf(name);
        var listed = await blobs.ListAsync(BlobPaths.Model(name), cancellation);
        if (!listed.Any(b => b.Path.EndsWith("/config.json", StringComparison.Ordinal)))
            throw new FileNotFoundException(
                $"base model '{name}' is not in blob storage (models/{name}/config.json); build it first (e.g. "
                    + $"`./saei demo` builds models/tiny-vlm-sft-*) or upload it."
            );
        EnsurePrivateFolder(CacheDirectory);
        await Gate.WaitAsync(cancellation);
        try
        {
            byte[]? manifest = listed.Any(b => b.Path.EndsWith("/" + ManifestFile, StringComparison.Ordinal))
                ? (await ReadAsync(BlobPaths.ModelFilePath(name, ManifestFile), cancellation))
                : null;
            if (manifest is not null && File.Exists(Path.Combine(TargetOf(name, manifest), ".complete")))
                return TargetOf(name, manifest);

            string partial = Path.Combine(CacheDirectory, $"{name}.partial-{Environment.ProcessId}");
            if (Directory.Exists(partial))
                Directory.Delete(partial, recursive: true);
            Directory.CreateDirectory(partial);
            var expected = manifest is null ? null : ModelManifest.Parse(manifest, name);
            var names =
                expected?.Keys
                ?? listed.Select(b => b.Path[(b.Path.LastIndexOf('/') + 1)..]).Where(n => n != ManifestFile);
            var downloaded = new Dictionary<string, CheckpointFileEntry>(StringComparer.Ordinal);
            foreach (string file in names.Order(StringComparer.Ordinal))
            {
                // Streamed in ranges into the file, hashed while written.
                string path = BlobPaths.ModelFilePath(name, file);
                var copy =
                    await blobs.DownloadFileAsync(path, Path.Combine(partial, file), cancellation: cancellation)
                    ?? throw new FileNotFoundException($"model file {path} disappeared while downloading; try again.");
                downloaded[file] = new CheckpointFileEntry(copy.Size, copy.Sha256!);
            }
            if (expected?.Keys.FirstOrDefault(file => downloaded[file] != expected[file]) is { } bad)
                throw new InvalidDataException(
                    $"model file models/{name}/{bad} does not match its manifest (size or SHA-256); upload the model "
                        + $"again."
                );
            manifest ??= ModelManifest.Serialize(downloaded);
            string target = TargetOf(name, manifest);
            await File.WriteAllBytesAsync(Path.Combine(partial, ManifestFile), manifest, cancellation);
            await File.WriteAllTextAsync(Path.Combine(partial, ".complete"), Path.GetFileName(target), cancellation);
            if (Directory.Exists(target))
                Directory.Delete(target, recursive: true);
            Directory.Move(partial, target);
            return target;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>{cache}/{name}-{first 16 hex of the manifest's SHA-256}.</summary>
    private string TargetOf(string name, byte[] manifest) =>
        Path.Combine(CacheDirectory, $"{name}-{Convert.ToHexStringLower(SHA256.HashData(manifest))[..16]}");

    private async Task<byte[]> ReadAsync(string path, CancellationToken cancellation) =>
        await blobs.ReadAsync(path, cancellation) is BlobReadResult.Found found
            ? found.Content.ToArray()
            : throw new FileNotFoundException($"model file {path} disappeared while downloading; try again.");

    private static void EnsurePrivateFolder(string folder) =>
        PrivateFolder.Ensure(folder, "model cache", "set Saei:Torch:ModelCache to a folder this user owns");
}

/// <summary>
/// manifest.json of a model: {"files": {name: {"size", "sha256"}}}, sorted by name; the entries are a checkpoint
/// manifest's (<see cref="CheckpointFileEntry"/>).
/// </summary>
internal static class ModelManifest
{
    private sealed record Document(SortedDictionary<string, CheckpointFileEntry> Files);

    /// <summary>The size and SHA-256 of one file's bytes.</summary>
    public static CheckpointFileEntry EntryOf(byte[] bytes) =>
        new(bytes.LongLength, Convert.ToHexStringLower(SHA256.HashData(bytes)));

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static byte[] Serialize(IReadOnlyDictionary<string, CheckpointFileEntry> files) =>
        JsonSerializer.SerializeToUtf8Bytes(new Document(new(files.ToDictionary(), StringComparer.Ordinal)), Json);

    public static IReadOnlyDictionary<string, CheckpointFileEntry> Parse(byte[] manifest, string model)
    {
        try
        {
            var files = JsonSerializer.Deserialize<Document>(manifest, Json)?.Files;
            if (
                files is null
                || files.Count == 0
                || files.Any(f => f.Value is null || Ids.Check(f.Key, "model file") is not null)
            )
                throw new InvalidDataException(
                    $"models/{model}/{ModelStore.ManifestFile} lists no files or a bad file name; upload the model "
                        + $"again."
                );
            return files;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"models/{model}/{ModelStore.ManifestFile} is not a manifest (at byte {e.BytePositionInLine}); "
                    + $"upload the model again.",
                e
            );
        }
    }
}
