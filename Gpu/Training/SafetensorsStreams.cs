using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// Safetensors files written to and read from streams one tensor at a time, so a checkpoint of any size never
/// exists as one byte array (.NET arrays stop at 2 GB) or as a second copy of the model in memory.
/// Decisions:
/// 1. Shapes and dtypes are known before any data, so the header (ordinal name order, offsets, no padding: the
///    layout <see cref="SafetensorsBytes"/> always wrote) goes first; then each tensor is moved to the CPU on its own
///    (inside a dispose scope, so a GPU run holds one tensor's CPU copy at a time) and written in blocks straight
///    from its storage (<see cref="TensorFileIO"/>). Bytes are copied exactly: the round trip is bit for bit.
/// 2. Reading checks the header first (<see cref="SafetensorsHeader"/>: offsets, dtypes, sizes) and every name and
///    shape the caller expects before copying a byte; then each tensor is read from the file straight into its
///    target's storage when the target is a contiguous CPU tensor of the stored dtype, else through one CPU tensor
///    of that size (a device or dtype change goes through <c>copy_</c>, as loading did before).
/// </summary>
internal static class SafetensorsStreams
{
    /// <summary>Writes <paramref name="tensors"/> (in ordinal name order) to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            if (!SafetensorsDType.TryFrom(tensor.dtype, out var type))
                throw new ArgumentException(
                    $"tensor '{name}' has dtype {tensor.dtype}, which safetensors checkpoints here do not support.",
                    nameof(tensors)
                );
            long bytes = checked(tensor.numel() * type.Size);
            header[name] = new JsonObject
            {
                ["dtype"] = type.Name,
                ["shape"] = new JsonArray([.. tensor.shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        stream.Write(json);
        foreach (var (_, tensor) in ordered)
        {
            using var scope = NewDisposeScope();
            var cpu = tensor.detach().cpu().contiguous();
            TensorFileIO.Write(cpu, stream);
        }
    }

    /// <summary>Writes a safetensors file at <paramref name="path"/> (created or replaced).</summary>
    public static void WriteFile(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(stream, tensors);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Fills each target with the stored tensor of its name. <paramref name="missing"/> makes the error for a name
    /// the file lacks; a shape that differs is an error naming the file and tensor. Tensors the file has beyond the
    /// targets are ignored (as loading by name always did).
    /// </summary>
    public static void ReadInto(
        string path,
        string fileName,
        IEnumerable<KeyValuePair<string, Tensor>> targets,
        Func<string, string> missing
    )
    {
        using var file = File.OpenHandle(
            path,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            FileOptions.SequentialScan
        );
        var header = SafetensorsHeader.Read(file, fileName);
        var entries = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var plan = new List<(SafetensorsEntry Entry, Tensor Target)>();
        foreach (var (name, target) in targets)
        {
            if (!entries.TryGetValue(name, out var entry))
                throw new InvalidDataException(missing(name));
            if (!entry.Shape.SequenceEqual(target.shape))
                throw new InvalidDataException(
                    $"{fileName}: tensor '{name}' has shape [{string.Join(",", entry.Shape)}], "
                        + $"expected [{string.Join(",", target.shape)}]."
                );
            plan.Add((entry, target));
        }
        using var noGrad = no_grad();
        foreach (var (entry, target) in plan)
        {
            long offset = header.DataStart + entry.Begin;
            if (target.device_type == DeviceType.CPU && target.is_contiguous() && target.dtype == entry.DType.Type)
            {
                TensorFileIO.Read(target, file, offset, fileName, entry.Name);
                continue;
            }
            using var staged = empty(entry.Shape, entry.DType.Type);
            TensorFileIO.Read(staged, file, offset, fileName, entry.Name);
            target.copy_(staged);
        }
    }
}
