using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using static TorchSharp.torch;

namespace SaEI.Gpu.Checkpoints;

/// <summary>A tensor to write: its checkpoint name and shape (known before its values exist).</summary>
public sealed record CheckpointTensorSpec(string Name, long[] Shape)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => checked(a * b));
}

/// <summary>How <see cref="CheckpointWriter"/> stores tensors.</summary>
public sealed record CheckpointWriteOptions
{
    /// <summary>Stored dtype of floating-point tensors: Float32, BFloat16 or Float16. Default BFloat16 (the published
    /// checkpoints' dtype).</summary>
    public ScalarType DType { get; init; } = ScalarType.BFloat16;

    /// <summary>Largest shard in bytes of tensor data; a tensor larger than this gets a shard of its own. Default 5 GB
    /// (transformers' max_shard_size "5GB").</summary>
    public long MaxShardBytes { get; init; } = 5_000_000_000;

    public void Validate()
    {
        if (DType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException(
                $"{nameof(DType)} {DType} is not a checkpoint dtype; use Float32, BFloat16 or Float16.",
                nameof(DType)
            );
        if (MaxShardBytes <= 0)
            throw new ArgumentException(
                $"{nameof(MaxShardBytes)} {MaxShardBytes} must be positive.",
                nameof(MaxShardBytes)
            );
    }
}

/// <summary>
/// Writes named tensors as a Hugging Face model folder: one <c>model.safetensors</c> when everything fits one shard,
/// else <c>model-0000N-of-0000M.safetensors</c> plus <c>model.safetensors.index.json</c>.
/// Decisions:
/// 1. Streamed: shapes are known up front, so every header is computed before any data; then one tensor at a time
///    is produced, converted to the stored dtype on the CPU, written in blocks and disposed.
/// 2. Shards fill in the given order and a new one starts when the next tensor would overflow the limit
///    (transformers' rule); headers are padded with spaces to 8 bytes as the safetensors library does.
/// 3. Every file goes through a temporary name and a rename; the index is written last, so an interrupted write
///    never leaves a folder that looks complete. A folder that already holds a checkpoint is refused.
/// 4. Non-float tensors keep their dtype; float tensors are stored as <see cref="CheckpointWriteOptions.DType"/>.
/// </summary>
public static class CheckpointWriter
{
    /// <summary>Writes tensors that already exist (disposing nothing of the caller's).</summary>
    public static IReadOnlyList<string> Write(
        string directory,
        IReadOnlyList<KeyValuePair<string, Tensor>> tensors,
        CheckpointWriteOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var byName = tensors.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var specs = tensors.Select(p => new CheckpointTensorSpec(p.Key, p.Value.shape)).ToList();
        var dtypes = tensors.ToDictionary(p => p.Key, p => p.Value.dtype, StringComparer.Ordinal);
        return Write(directory, specs, spec => byName[spec.Name].alias(), options, spec => dtypes[spec.Name]);
    }

    /// <summary>
    /// Writes <paramref name="specs"/> in order; <paramref name="produce"/> makes each tensor when its turn comes
    /// (inside a dispose scope that frees it afterwards). Returns the files written, index last.
    /// </summary>
    public static IReadOnlyList<string> Write(
        string directory,
        IReadOnlyList<CheckpointTensorSpec> specs,
        Func<CheckpointTensorSpec, Tensor> produce,
        CheckpointWriteOptions? options = null,
        Func<CheckpointTensorSpec, ScalarType>? sourceType = null
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(produce);
        options ??= new CheckpointWriteOptions();
        options.Validate();
        RequireNoCheckpoint(directory);
        System.IO.Directory.CreateDirectory(directory);
        if (specs.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != specs.Count)
            throw new ArgumentException("tensor names must be unique.", nameof(specs));

        var stored = specs.ToDictionary(
            s => s.Name,
            s => StoredType(sourceType?.Invoke(s) ?? ScalarType.Float32, options.DType),
            StringComparer.Ordinal
        );
        var shards = Plan(specs, stored, options.MaxShardBytes);
        var files = new List<string>();
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string fileName =
                shards.Count == 1
                    ? CheckpointFolder.SingleFileName
                    : string.Create(CultureInfo.InvariantCulture, $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors");
            string path = Path.Combine(directory, fileName);
            AtomicFile.Write(path, stream => WriteShard(stream, shards[i], stored, produce));
            foreach (var spec in shards[i])
                weightMap[spec.Name] = fileName;
            files.Add(path);
        }
        if (shards.Count > 1)
        {
            long total = specs.Sum(s => s.Elements * Size(stored[s.Name]));
            string indexPath = Path.Combine(directory, SafetensorsIndex.FileName);
            new SafetensorsIndex(weightMap, total).Write(indexPath);
            files.Add(indexPath);
        }
        return files;
    }

    /// <summary>Throws when <paramref name="directory"/> already holds model weights (a write never mixes two
    /// checkpoints).</summary>
    public static void RequireNoCheckpoint(string directory)
    {
        if (
            System.IO.Directory.Exists(directory)
            && (
                CheckpointFolder.Exists(directory)
                || System.IO.Directory.EnumerateFiles(directory, "model-*-of-*.safetensors").Any()
            )
        )
            throw new IOException($"{directory} already holds a checkpoint; write into an empty folder.");
    }

    private static List<List<CheckpointTensorSpec>> Plan(
        IReadOnlyList<CheckpointTensorSpec> specs,
        Dictionary<string, ScalarType> stored,
        long maxShardBytes
    )
    {
        var shards = new List<List<CheckpointTensorSpec>> { new() };
        long size = 0;
        foreach (var spec in specs)
        {
            long bytes = spec.Elements * Size(stored[spec.Name]);
            if (shards[^1].Count > 0 && size + bytes > maxShardBytes)
            {
                shards.Add([]);
                size = 0;
            }
            shards[^1].Add(spec);
            size += bytes;
        }
        return shards;
    }

    private static void WriteShard(
        FileStream stream,
        List<CheckpointTensorSpec> shard,
        Dictionary<string, ScalarType> stored,
        Func<CheckpointTensorSpec, Tensor> produce
    )
    {
        byte[] header = Header(shard, stored);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var spec in shard)
        {
            using var scope = NewDisposeScope();
            var tensor = produce(spec);
            if (!tensor.shape.SequenceEqual(spec.Shape))
                throw new ArgumentException(
                    $"tensor '{spec.Name}' has shape {SafetensorsHeader.FormatShape(tensor.shape)}; its spec says "
                        + $"{SafetensorsHeader.FormatShape(spec.Shape)}.",
                    nameof(produce)
                );
            var cpu = tensor.detach().to(stored[spec.Name], CPU).contiguous(); // [spec.Shape] stored dtype
            TensorFileIO.Write(cpu, stream);
        }
    }

    private static byte[] Header(List<CheckpointTensorSpec> shard, Dictionary<string, ScalarType> stored)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(SafetensorsHeader.MetadataKey);
            writer.WriteString("format", "pt");
            writer.WriteEndObject();
            long offset = 0;
            foreach (var spec in shard)
            {
                SafetensorsDType.TryFrom(stored[spec.Name], out var dtype);
                long bytes = spec.Elements * dtype.Size;
                writer.WriteStartObject(spec.Name);
                writer.WriteString("dtype", dtype.Name);
                writer.WriteStartArray("shape");
                foreach (long dimension in spec.Shape)
                    writer.WriteNumberValue(dimension);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static ScalarType StoredType(ScalarType source, ScalarType floatType)
    {
        if (!SafetensorsDType.TryFrom(source, out var dtype))
            throw new ArgumentException($"dtype {source} cannot be stored in safetensors here.");
        return dtype.IsFloatingPoint ? floatType : source;
    }

    private static int Size(ScalarType type) =>
        SafetensorsDType.TryFrom(type, out var dtype)
            ? dtype.Size
            : throw new ArgumentException($"dtype {type} cannot be stored.");
}
