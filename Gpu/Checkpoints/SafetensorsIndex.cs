using System.Text.Json;

namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// <c>model.safetensors.index.json</c>: {"metadata": {"total_size": bytes}, "weight_map": {tensor: shard file}}, the
/// table of a sharded Hugging Face checkpoint.
/// Decisions:
/// 1. A shard must be a plain file name in the same folder (no directories, no ".."): an index cannot point the
///    loader anywhere else.
/// 2. <c>total_size</c> is written (sum of tensor bytes, as transformers does) but not enforced on read: exporters
///    disagree on what it counts; the shards' own headers are the truth.
/// </summary>
public sealed record SafetensorsIndex(IReadOnlyDictionary<string, string> WeightMap, long? TotalSize)
{
    public const string FileName = "model.safetensors.index.json";

    /// <summary>The shard files in first-use order.</summary>
    public IReadOnlyList<string> Shards => [.. WeightMap.Values.Distinct(StringComparer.Ordinal)];

    /// <summary>Largest index file read (the 7B's is ~60 kB): a bound, so a hostile file cannot exhaust
    /// memory.</summary>
    public const long MaxIndexBytes = 100_000_000;

    public static SafetensorsIndex Read(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxIndexBytes)
            throw CheckpointError.Create(
                path,
                null,
                $"is {length} bytes, more than the {MaxIndexBytes}-byte limit for an index."
            );
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw CheckpointError.Create(path, null, $"not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (
                root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object
            )
                throw CheckpointError.Create(
                    path,
                    null,
                    "expected an object with a 'weight_map' object {tensor name: shard file}."
                );
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (string.IsNullOrEmpty(shard) || Path.GetFileName(shard) != shard || shard is "." or "..")
                    throw CheckpointError.Create(
                        path,
                        entry.Name,
                        $"is mapped to {entry.Value.GetRawText()}, which is not a shard file name in this folder."
                    );
                if (!weightMap.TryAdd(entry.Name, shard))
                    throw CheckpointError.Create(path, entry.Name, "appears twice in weight_map.");
            }
            long? totalSize =
                root.TryGetProperty("metadata", out var metadata)
                && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("total_size", out var total)
                && total.TryGetInt64(out long size)
                    ? size
                    : null;
            return new SafetensorsIndex(weightMap, totalSize);
        }
    }

    /// <summary>Writes the index with sorted names (transformers' layout), through a temporary file and a
    /// rename.</summary>
    public void Write(string path)
    {
        AtomicFile.Write(
            path,
            stream =>
            {
                using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                writer.WriteStartObject();
                writer.WriteStartObject("metadata");
                if (TotalSize is { } total)
                    writer.WriteNumber("total_size", total);
                writer.WriteEndObject();
                writer.WriteStartObject("weight_map");
                foreach (var (name, shard) in WeightMap.OrderBy(p => p.Key, StringComparer.Ordinal))
                    writer.WriteString(name, shard);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        );
    }
}
