using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// Named tensors ⇄ the bytes of a safetensors file (Hugging Face format: u64 little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}}, then the raw little-endian data), in memory, so checkpoints go to
/// blob storage without touching a file system. Files written here load with TorchSharp.PyBridge and Python.
/// Decisions:
/// 1. Tensors are written in ordinal name order; their bytes are copied exactly (bit-for-bit round trip).
/// 2. Reading checks the header before touching data: a bad offset, an unknown dtype or a size that does not match
///    the shape is an error naming the file and the tensor.
/// </summary>
public static class SafetensorsBytes
{
    private static readonly Dictionary<ScalarType, (string Name, int Size)> Types = new()
    {
        [ScalarType.Float32] = ("F32", 4),
        [ScalarType.Float64] = ("F64", 8),
        [ScalarType.Float16] = ("F16", 2),
        [ScalarType.BFloat16] = ("BF16", 2),
        [ScalarType.Int64] = ("I64", 8),
        [ScalarType.Int32] = ("I32", 4),
        [ScalarType.Byte] = ("U8", 1),
        [ScalarType.Bool] = ("BOOL", 1),
    };

    public static byte[] Write(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        var data = new MemoryStream();
        foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!Types.TryGetValue(tensor.dtype, out var type))
                throw new ArgumentException($"tensor '{name}' has dtype {tensor.dtype}, which safetensors checkpoints here do not support.", nameof(tensors));
            using var cpu = tensor.detach().cpu().contiguous();
            byte[] bytes = cpu.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = type.Name,
                ["shape"] = new JsonArray([.. tensor.shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + bytes.Length),
            };
            data.Write(bytes);
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.GetBuffer().AsSpan(0, (int)data.Length).CopyTo(file.AsSpan(8 + json.Length));
        return file;
    }

    /// <summary>The tensors of a safetensors file (CPU); <paramref name="fileName"/> names the file in errors.</summary>
    public static Dictionary<string, Tensor> Read(byte[] file, string fileName)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length < 8) throw new InvalidDataException($"{fileName}: {file.Length} bytes is too short for a safetensors file.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)(file.Length - 8)) throw new InvalidDataException($"{fileName}: header length {headerLength} exceeds the file ({file.Length} bytes).");
        int dataStart = 8 + (int)headerLength;
        JsonObject header;
        try
        {
            header = JsonNode.Parse(file.AsSpan(8, (int)headerLength))?.AsObject() ?? throw new InvalidDataException($"{fileName}: empty header.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{fileName}: the header is not valid JSON: {e.Message}", e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__" || node is null) continue;
            var dtype = Types.FirstOrDefault(t => t.Value.Name == node["dtype"]?.GetValue<string>());
            if (dtype.Value.Name is null) throw new InvalidDataException($"{fileName}: tensor '{name}' has unsupported dtype '{node["dtype"]}'.");
            long[] shape = [.. node["shape"]!.AsArray().Select(d => d!.GetValue<long>())];
            long begin = node["data_offsets"]![0]!.GetValue<long>(), end = node["data_offsets"]![1]!.GetValue<long>();
            long expected = shape.Aggregate(1L, (a, b) => a * b) * dtype.Value.Size;
            if (begin < 0 || end < begin || dataStart + end > file.Length || end - begin != expected)
                throw new InvalidDataException($"{fileName}: tensor '{name}' has data offsets [{begin}, {end}) that do not fit its shape [{string.Join(",", shape)}] or the file.");
            var tensor = empty(shape, dtype.Key);
            tensor.bytes = file.AsSpan(dataStart + (int)begin, (int)(end - begin));
            result[name] = tensor;
        }
        return result;
    }
}
