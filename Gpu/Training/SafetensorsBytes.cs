using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// Named tensors ⇄ the bytes of a safetensors file (Hugging Face format: u64 little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}}, then the raw little-endian data), in memory, so checkpoints go to
/// blob storage without touching a file system. Files written here load with TorchSharp.PyBridge and Python.
/// Decisions:
/// 1. Tensors are written in ordinal name order; their bytes are copied exactly (bit-for-bit round trip).
/// 2. Reading validates the header before touching data with the checkpoint loader's checks
///    (<see cref="SafetensorsHeader"/>): a bad offset, an unknown dtype or a size that does not match the shape is an
///    error naming the file and the tensor.
/// </summary>
public static class SafetensorsBytes
{
    public static byte[] Write(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        var data = new MemoryStream();
        foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!SafetensorsDType.TryFrom(tensor.dtype, out var type))
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
        if (headerLength > (ulong)(file.Length - 8))
            throw CheckpointError.Create(fileName, null, $"header length {headerLength} exceeds the file ({file.Length} bytes).");
        int dataStart = 8 + (int)headerLength;
        var header = SafetensorsHeader.Parse(file.AsSpan(8, (int)headerLength), dataStart, file.Length, fileName);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in header.Entries)
        {
            var tensor = empty(entry.Shape, entry.DType.Type);
            tensor.bytes = file.AsSpan(dataStart + (int)entry.Begin, (int)entry.ByteLength);
            result[entry.Name] = tensor;
        }
        return result;
    }
}
