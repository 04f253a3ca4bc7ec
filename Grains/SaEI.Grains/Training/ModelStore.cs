using System.Security.Cryptography;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Training;

/// <summary>
/// Base models in blob storage (models/{name}/: config.json, model.safetensors, ...) and their local copies, which
/// TorchSharp loads from a folder. A local copy is keyed by the SHA-256 of the blobs it came from, so a model that
/// was rebuilt under the same name is never served stale.
/// </summary>
public sealed class ModelStore(ResilientBlobStore blobs, string? cacheDirectory = null)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Where local copies live (default: the system temp folder, saei-models/).</summary>
    public string CacheDirectory { get; } = cacheDirectory ?? Path.Combine(Path.GetTempPath(), "saei-models");

    /// <summary>"models/tiny-vlm-sft" or "tiny-vlm-sft" → "tiny-vlm-sft" (validated as an id).</summary>
    public static string NameOf(string reference)
    {
        string name = reference.StartsWith("models/", StringComparison.Ordinal) ? reference["models/".Length..] : reference;
        return Ids.Require(name.TrimEnd('/'), "model");
    }

    /// <summary>True when models/{name}/config.json exists.</summary>
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellation) =>
        await blobs.GetInfoAsync(BlobPaths.ModelFilePath(NameOf(name), "config.json"), cancellation) is not null;

    /// <summary>Uploads every file of <paramref name="directory"/> to models/{name}/, config.json last (it marks the model complete).</summary>
    public async Task UploadAsync(string name, string directory, CancellationToken cancellation)
    {
        name = NameOf(name);
        var files = Directory.GetFiles(directory).OrderBy(f => Path.GetFileName(f) == "config.json" ? 1 : 0).ThenBy(f => f, StringComparer.Ordinal);
        foreach (string file in files)
        {
            var content = BinaryData.FromBytes(await File.ReadAllBytesAsync(file, cancellation));
            await blobs.WriteAsync(BlobPaths.ModelFilePath(name, Path.GetFileName(file)), content, WriteCondition.Overwrite, cancellation);
        }
    }

    /// <summary>A local folder holding the model's files, downloaded on first use.</summary>
    public async Task<string> EnsureLocalAsync(string name, CancellationToken cancellation)
    {
        name = NameOf(name);
        var listed = await blobs.ListAsync(BlobPaths.Model(name), cancellation);
        if (!listed.Any(b => b.Path.EndsWith("/config.json", StringComparison.Ordinal)))
            throw new FileNotFoundException($"base model '{name}' is not in blob storage (models/{name}/config.json); build it first (e.g. `./saei demo` builds models/tiny-vlm-sft-*) or upload it.");
        string identity = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("|", listed.OrderBy(b => b.Path, StringComparer.Ordinal).Select(b => $"{b.Path}:{b.Size}:{b.ETag}")))))[..16];
        string target = Path.Combine(CacheDirectory, $"{name}-{identity.ToLowerInvariant()}");
        await Gate.WaitAsync(cancellation);
        try
        {
            if (File.Exists(Path.Combine(target, ".complete"))) return target;
            string partial = target + ".partial-" + Environment.ProcessId;
            Directory.CreateDirectory(partial);
            foreach (var blob in listed)
            {
                if (await blobs.ReadAsync(blob.Path, cancellation) is not BlobReadResult.Found found)
                    throw new FileNotFoundException($"model file {blob.Path} disappeared while downloading; try again.");
                await File.WriteAllBytesAsync(Path.Combine(partial, Path.GetFileName(blob.Path)), found.Content.ToArray(), cancellation);
            }
            await File.WriteAllTextAsync(Path.Combine(partial, ".complete"), identity, cancellation);
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(partial, target);
            return target;
        }
        finally
        {
            Gate.Release();
        }
    }
}
