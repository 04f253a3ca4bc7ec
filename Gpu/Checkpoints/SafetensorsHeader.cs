using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace SaEI.Gpu.Checkpoints;

/// <summary>One tensor of a safetensors header; offsets are relative to the start of the data section.</summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
    public string ShapeText => SafetensorsHeader.FormatShape(Shape);
}

/// <summary>
/// The parsed and fully validated header of one safetensors file: u64 little-endian header length N, N bytes of
/// JSON {name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__": {string: string}}, then the data.
/// Nothing in the header is trusted: every check happens here, before a caller reads a byte of tensor data.
/// Decisions:
/// 1. The header length is bounded (100 MB, the limit of Hugging Face's safetensors library) and must fit the file.
/// 2. Each entry: known dtype, non-negative integer shape, shape × element size == end − begin without overflow.
/// 3. Sorted by offset, the entries tile the data section from byte 0 (no overlap, no gap), as Hugging Face's reader
///    requires; a data section shorter than the last offset is reported as a truncated file. Unlike Hugging Face,
///    bytes after the last tensor are tolerated (never read): TorchSharp.PyBridge's SaveStateDict overwrites an
///    existing file in place without truncating it, so such files exist in the wild.
/// 4. Duplicate names are an error (JSON parsers disagree on which one wins).
/// </summary>
public sealed class SafetensorsHeader
{
    public const long MaxHeaderBytes = 100_000_000;
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(
        string filePath,
        long dataStart,
        long dataLength,
        IReadOnlyList<SafetensorsEntry> entries,
        IReadOnlyDictionary<string, string> metadata
    )
    {
        FilePath = filePath;
        DataStart = dataStart;
        DataLength = dataLength;
        Entries = entries;
        Metadata = metadata;
    }

    public string FilePath { get; }

    /// <summary>Absolute file offset of the data section (8 + header length).</summary>
    public long DataStart { get; }

    public long DataLength { get; }

    /// <summary>The tensors in data order (ascending offsets).</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates the header of an open file; errors name <paramref name="filePath"/>.</summary>
    public static SafetensorsHeader Read(SafeFileHandle file, string filePath)
    {
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
            throw CheckpointError.Create(
                filePath,
                null,
                $"{fileLength} bytes is too short for a safetensors file (8-byte header length first)."
            );
        Span<byte> prefix = stackalloc byte[8];
        TensorFileIO.ReadExactly(file, prefix, 0, filePath, null);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw CheckpointError.Create(
                filePath,
                null,
                $"header length {headerLength} bytes exceeds the {MaxHeaderBytes}-byte limit; this is not a "
                    + $"safetensors file or it is corrupt."
            );
        if ((long)headerLength > fileLength - 8)
            throw CheckpointError.Create(
                filePath,
                null,
                $"header length {headerLength} bytes exceeds the file ({fileLength} bytes): the file is truncated or "
                    + $"not safetensors."
            );
        var json = new byte[headerLength];
        TensorFileIO.ReadExactly(file, json, 8, filePath, null);
        return Parse(json, 8 + (long)headerLength, fileLength, filePath);
    }

    /// <summary>Validates a header already in memory; <paramref name="dataStart"/> = 8 + its length.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataStart, long fileLength, string filePath)
    {
        long dataLength = fileLength - dataStart;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw CheckpointError.Create(filePath, null, $"the header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw CheckpointError.Create(
                    filePath,
                    null,
                    $"the header is a JSON {document.RootElement.ValueKind}, not an object of tensors."
                );
            var entries = new List<SafetensorsEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw CheckpointError.Create(filePath, property.Name, "appears twice in the header.");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata, filePath);
                else
                    entries.Add(ReadEntry(property.Name, property.Value, dataLength, filePath));
            }
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            CheckTiling(entries, dataLength, filePath);
            return new SafetensorsHeader(filePath, dataStart, dataLength, entries, metadata);
        }
    }

    internal static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(",", shape)}]";

    private static SafetensorsEntry ReadEntry(string name, JsonElement value, long dataLength, string filePath)
    {
        InvalidDataException Bad(string problem) => CheckpointError.Create(filePath, name, problem);
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad($"has a header entry that is a JSON {value.ValueKind}, not {{dtype, shape, data_offsets}}.");
        string? dtypeName =
            value.TryGetProperty("dtype", out var dtypeNode) && dtypeNode.ValueKind == JsonValueKind.String
                ? dtypeNode.GetString()
                : null;
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype))
            throw Bad(
                dtypeName is null
                    ? "has no dtype."
                    : $"has dtype '{dtypeName}', not one of {SafetensorsDType.KnownNames}."
            );
        long[] shape = ReadIntegers(value, "shape", null, Bad);
        long[] offsets = ReadIntegers(value, "data_offsets", 2, Bad);
        long elements = 1,
            bytes;
        try
        {
            foreach (long dimension in shape)
                elements = checked(elements * dimension);
            bytes = checked(elements * dtype.Size);
        }
        catch (OverflowException)
        {
            throw Bad($"has shape {FormatShape(shape)} × {dtype.Size} bytes, which overflows a 64-bit size.");
        }
        (long begin, long end) = (offsets[0], offsets[1]);
        if (end < begin)
            throw Bad($"has data_offsets [{begin}, {end}) that end before they begin.");
        if (end - begin != bytes)
            throw Bad(
                $"has data_offsets [{begin}, {end}) spanning {end - begin} bytes, but shape {FormatShape(shape)} of "
                    + $"{dtype.Name} needs {bytes}."
            );
        if (end > dataLength)
            throw Bad(
                $"has data_offsets [{begin}, {end}) that reach past the data section ({dataLength} bytes): the file "
                    + $"is truncated or the header lies."
            );
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(
        JsonElement entry,
        string key,
        int? count,
        Func<string, InvalidDataException> bad
    )
    {
        if (!entry.TryGetProperty(key, out var node) || node.ValueKind != JsonValueKind.Array)
            throw bad($"has no '{key}' array.");
        if (count is { } expected && node.GetArrayLength() != expected)
            throw bad($"has {node.GetArrayLength()} '{key}' entries; expected {expected}.");
        var values = new long[node.GetArrayLength()];
        int i = 0;
        foreach (var item in node.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw bad($"has {key}[{i}] = {item.GetRawText()}, not a non-negative 64-bit integer.");
            values[i++] = v;
        }
        return values;
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string filePath)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw CheckpointError.Create(
                filePath,
                null,
                $"'{MetadataKey}' is a JSON {value.ValueKind}, not an object of strings."
            );
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw CheckpointError.Create(
                    filePath,
                    null,
                    $"'{MetadataKey}.{item.Name}' is a JSON {item.Value.ValueKind}, not a string."
                );
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static void CheckTiling(List<SafetensorsEntry> entries, long dataLength, string filePath)
    {
        long position = 0;
        SafetensorsEntry? previous = null;
        foreach (var entry in entries)
        {
            if (entry.Begin < position)
                throw CheckpointError.Create(
                    filePath,
                    entry.Name,
                    $"has data_offsets [{entry.Begin}, {entry.End}) that overlap tensor '{previous!.Name}' "
                        + $"[{previous.Begin}, {previous.End})."
                );
            if (entry.Begin > position)
                throw CheckpointError.Create(
                    filePath,
                    entry.Name,
                    $"has data_offsets [{entry.Begin}, {entry.End}) that leave a gap of {entry.Begin - position} "
                        + $"bytes after byte {position}; safetensors data is packed."
                );
            position = entry.End;
            previous = entry;
        }
    }
}
