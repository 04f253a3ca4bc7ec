using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using Parquet.Serialization;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// Reads local tables as <see cref="DataRow"/>s: .parquet (Parquet.Net untyped rows, one row group at a time),
/// .jsonl (one object a line) and .json (an array of objects, or an object of objects keyed by id, the original
/// MathVista layout; the key lands in field "__key"). A folder reads its *.parquet files, else *.jsonl, else *.json,
/// sorted by name. A truncated or corrupt file is a <see cref="DataFormatException"/> naming the file and the row.
/// Only regular files within <see cref="DataLimits"/> are read (<see cref="RegularFile"/>), lines through a
/// <see cref="BoundedLineReader"/>; with <see cref="DataRoots"/> every file (and every image path of a row) must lie
/// in a root. Messages describe a parse failure without quoting the file's bytes.
/// </summary>
public static class TableReader
{
    /// <summary>Rows of every table at <paramref name="path"/>, with the default limits and no roots.</summary>
    public static IAsyncEnumerable<DataRow> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        ReadAsync(path, DataLimits.Default, null, cancellationToken);

    /// <summary>Rows of every table at <paramref name="path"/>; files outside <paramref name="roots"/> (when given) are
    /// refused.</summary>
    public static async IAsyncEnumerable<DataRow> ReadAsync(
        string path,
        DataLimits limits,
        DataRoots? roots,
        [EnumeratorCancellation] CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        foreach (string file in FilesAt(path, roots))
        {
            // devices, FIFOs: before anything opens them
            RegularFile.Require(file, new DataLocation(file), limits.MaxFileBytes, "data file", FileLimit);
            IAsyncEnumerable<DataRow> rows = Path.GetExtension(file).ToLowerInvariant() switch
            {
                ".parquet" => ReadParquetAsync(file, roots, cancellationToken),
                ".jsonl" => ReadJsonLines(file, limits, roots, cancellationToken),
                ".json" => ReadJson(file, limits, roots),
                string other => throw new DataFormatException(
                    new DataLocation(file),
                    $"unknown table extension '{other}'; use .parquet, .jsonl or .json."
                ),
            };
            await foreach (DataRow row in rows)
                yield return row;
        }
    }

    private static IReadOnlyList<string> FilesAt(string path, DataRoots? roots)
    {
        if (roots is not null)
            path = roots.Confine(path, new DataLocation(path));
        if (!Directory.Exists(path))
            return RegularFile.KindOf(path) == RegularFile.Kind.Missing
                ? throw new DataFormatException(
                    new DataLocation(path),
                    "no such file or folder; check the data source path."
                )
                : [path]; // a file: its type and size are checked when it is read
        foreach (string pattern in new[] { "*.parquet", "*.jsonl", "*.json" })
        {
            string[] files = Directory.GetFiles(path, pattern);
            // An entry may be a link out of the roots: each file is confined on its own.
            if (files.Length > 0)
                return
                [
                    .. files.Order(StringComparer.Ordinal).Select(f => roots?.Confine(f, new DataLocation(f)) ?? f),
                ];
        }
        throw new DataFormatException(new DataLocation(path), "folder holds no *.parquet, *.jsonl or *.json file.");
    }

    private const string FileLimit = "MaxFileBytes; on a silo Saei:Data:MaxFileBytes";

    private static async IAsyncEnumerable<DataRow> ReadParquetAsync(
        string file,
        DataRoots? roots,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var options = new ParquetOptions();
        int rowGroups = await GuardAsync(
            file,
            null,
            async () =>
            {
                await using FileStream stream = File.OpenRead(file);
                await using ParquetReader reader = await ParquetReader.CreateAsync(
                    stream,
                    options,
                    cancellationToken: cancellationToken
                );
                return reader.RowGroupCount;
            }
        );
        long row = 0;
        for (int group = 0; group < rowGroups; group++)
        {
            long firstRow = row;
            IList<Dictionary<string, object>> data = await GuardAsync(
                file,
                firstRow,
                async () =>
                {
                    await using FileStream stream = File.OpenRead(file);
                    var result = await ParquetSerializer.DeserializeUntypedAsync(
                        stream,
                        options,
                        group,
                        cancellationToken
                    );
                    return result.Data;
                }
            );
            foreach (Dictionary<string, object> values in data)
                yield return new DataRow(
                    file,
                    row++,
                    values.ToDictionary(pair => pair.Key, pair => (object?)pair.Value),
                    roots: roots
                );
        }
    }

    private static async IAsyncEnumerable<DataRow> ReadJsonLines(
        string file,
        DataLimits limits,
        DataRoots? roots,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        long row = 0;
        await using FileStream stream = RegularFile.OpenRead(
            file,
            new DataLocation(file),
            limits.MaxFileBytes,
            "data file",
            FileLimit
        );
        var reader = new BoundedLineReader(stream, limits.MaxLineBytes);
        while (reader.ReadLine() is { } line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (line.TooLong)
                throw new DataFormatException(
                    new DataLocation(file, row),
                    $"line {line.Number} holds more than the limit of {limits.MaxLineBytes} bytes (MaxLineBytes; on "
                        + $"a silo Saei:Data:MaxLineBytes); split the row or raise the limit."
                );
            // UTF-8 byte-order mark
            var bytes = line.Number == 1 && line.Bytes.Span.StartsWith("\uFEFF"u8) ? line.Bytes[3..] : line.Bytes;
            if (IsBlank(bytes.Span))
                continue;
            Dictionary<string, object?> values;
            try
            {
                using JsonDocument document = JsonDocument.Parse(bytes);
                values =
                    ToObject(document.RootElement) as Dictionary<string, object?>
                    ?? throw new DataFormatException(
                        new DataLocation(file, row),
                        $"line {line.Number} is not a JSON object."
                    );
            }
            catch (JsonException error)
            {
                throw new DataFormatException(
                    new DataLocation(file, row),
                    $"line {line.Number} is malformed or truncated JSON (at byte {error.BytePositionInLine}); write "
                        + $"one JSON object per line.",
                    error
                );
            }
            yield return new DataRow(file, row++, values, roots: roots);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes) => bytes.Trim(" \t\r"u8).IsEmpty;

    private static async IAsyncEnumerable<DataRow> ReadJson(string file, DataLimits limits, DataRoots? roots)
    {
        byte[] bytes = RegularFile.ReadAllBytes(
            file,
            new DataLocation(file),
            limits.MaxJsonBytes,
            "JSON file",
            "MaxJsonBytes; on a silo Saei:Data:MaxJsonBytes"
        );
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException error)
        {
            throw new DataFormatException(
                new DataLocation(file),
                $"malformed or truncated JSON at line {error.LineNumber + 1}, byte {error.BytePositionInLine}; fix "
                    + $"the file.",
                error
            );
        }
        await Task.CompletedTask; // rows are yielded from memory; the signature matches the other readers
        using (document)
        {
            long row = 0;
            JsonElement root = document.RootElement;
            IEnumerable<(string? Key, JsonElement Value)> items = root.ValueKind switch
            {
                JsonValueKind.Array => root.EnumerateArray().Select(element => ((string?)null, element)),
                JsonValueKind.Object => root.EnumerateObject()
                    .Select(property => ((string?)property.Name, property.Value)),
                _ => throw new DataFormatException(
                    new DataLocation(file),
                    "JSON root is neither an array nor an object of rows."
                ),
            };
            foreach ((string? key, JsonElement element) in items)
            {
                if (ToObject(element) is not Dictionary<string, object?> values)
                    throw new DataFormatException(new DataLocation(file, row), "row is not a JSON object.");
                if (key is not null)
                    values.TryAdd("__key", key);
                yield return new DataRow(file, row++, values, roots: roots);
            }
        }
    }

    private static async Task<T> GuardAsync<T>(string file, long? row, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception error)
            when (error is not DataFormatException and not OperationCanceledException and not OutOfMemoryException)
        {
            // The parser's own message may quote the file's bytes (e.g. its magic number): name the failure instead.
            string where = row is null ? "" : $" (row group starting at row {row})";
            string what = error is EndOfStreamException ? "the file ends early" : error.GetType().Name;
            throw new DataFormatException(
                new DataLocation(file, row),
                $"corrupt or truncated file{where}: {what}; replace the file with an intact copy.",
                error
            );
        }
    }

    /// <summary>JSON → the untyped tree of <see cref="DataRow"/>: numbers keep their JSON text.</summary>
    internal static object? ToObject(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => element
                .EnumerateObject()
                .ToDictionary(property => property.Name, property => ToObject(property.Value)),
            JsonValueKind.Array => element.EnumerateArray().Select(ToObject).ToList(),
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

    internal static bool IsList(object? value) => value is IEnumerable and not string and not byte[];
}
