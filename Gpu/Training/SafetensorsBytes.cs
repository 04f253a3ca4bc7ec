using System.Buffers.Binary;
using SaEI.Gpu.Checkpoints;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// Named tensors ⇄ the bytes of a safetensors file (Hugging Face format: u64 little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}}, then the raw little-endian data), in memory, for small tensor sets
/// (tests, model dumps); checkpoints are streamed to files (<see cref="SafetensorsStreams"/>, the same layout).
/// Files written here load with TorchSharp.PyBridge and Python.
/// Decisions:
/// 1. Tensors are written in ordinal name order; their bytes are copied exactly (bit-for-bit round trip).
/// 2. Reading validates the header before touching data with the checkpoint loader's checks
///    (<see cref="SafetensorsHeader"/>): a bad offset, an unknown dtype or a size that does not match the shape is an
///    error naming the file and the tensor.
/// </summary>
public static class SafetensorsBytes
{
    /// <summary>The whole file as bytes, for small tensor sets (tests, dumps): larger ones go through
    /// <see cref="SafetensorsStreams"/> to a file.</summary>
    public static byte[] Write(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var stream = new MemoryStream();
        SafetensorsStreams.Write(stream, tensors);
        return stream.ToArray();
    }

    /// <summary>The tensors of a safetensors file (CPU); <paramref name="fileName"/> names the file in
    /// errors.</summary>
    public static Dictionary<string, Tensor> Read(byte[] file, string fileName)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length < 8)
            throw new InvalidDataException($"{fileName}: {file.Length} bytes is too short for a safetensors file.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)(file.Length - 8))
            throw CheckpointError.Create(
                fileName,
                null,
                $"header length {headerLength} exceeds the file ({file.Length} bytes)."
            );
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
