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
/// </summary>
public static class TableReader
{
    /// <summary>Rows of every table at <paramref name="path"/>.</summary>
    public static async IAsyncEnumerable<DataRow> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (string file in FilesAt(path))
        {
            IAsyncEnumerable<DataRow> rows = Path.GetExtension(file).ToLowerInvariant() switch
            {
                ".parquet" => ReadParquetAsync(file, cancellationToken),
                ".jsonl" => ReadJsonLinesAsync(file, cancellationToken),
                ".json" => ReadJsonAsync(file, cancellationToken),
                string other => throw new DataFormatException(new DataLocation(file), $"unknown table extension '{other}'; use .parquet, .jsonl or .json."),
            };
            await foreach (DataRow row in rows) yield return row;
        }
    }

    private static IReadOnlyList<string> FilesAt(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path))
            throw new DataFormatException(new DataLocation(path), "no such file or folder; check the data source path.");
        foreach (string pattern in new[] { "*.parquet", "*.jsonl", "*.json" })
        {
            string[] files = Directory.GetFiles(path, pattern);
            if (files.Length > 0) return [.. files.Order(StringComparer.Ordinal)];
        }
        throw new DataFormatException(new DataLocation(path), "folder holds no *.parquet, *.jsonl or *.json file.");
    }

    private static async IAsyncEnumerable<DataRow> ReadParquetAsync(string file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new ParquetOptions();
        int rowGroups = await GuardAsync(file, null, async () =>
        {
            await using FileStream stream = File.OpenRead(file);
            await using ParquetReader reader = await ParquetReader.CreateAsync(stream, options, cancellationToken: cancellationToken);
            return reader.RowGroupCount;
        });
        long row = 0;
        for (int group = 0; group < rowGroups; group++)
        {
            long firstRow = row;
            IList<Dictionary<string, object>> data = await GuardAsync(file, firstRow, async () =>
            {
                await using FileStream stream = File.OpenRead(file);
                var result = await ParquetSerializer.DeserializeUntypedAsync(stream, options, group, cancellationToken);
                return result.Data;
            });
            foreach (Dictionary<string, object> values in data)
                yield return new DataRow(file, row++, values.ToDictionary(pair => pair.Key, pair => (object?)pair.Value));
        }
    }

    private static async IAsyncEnumerable<DataRow> ReadJsonLinesAsync(string file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long row = 0;
        using var reader = new StreamReader(file);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            Dictionary<string, object?> values;
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                values = ToObject(document.RootElement) as Dictionary<string, object?>
                    ?? throw new DataFormatException(new DataLocation(file, row), "line is not a JSON object.");
            }
            catch (JsonException error)
            {
                throw new DataFormatException(new DataLocation(file, row), $"malformed or truncated JSON line: {error.Message}", error);
            }
            yield return new DataRow(file, row++, values);
        }
    }

    private static async IAsyncEnumerable<DataRow> ReadJsonAsync(string file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        JsonDocument document = await GuardAsync(file, null, async () =>
        {
            await using FileStream stream = File.OpenRead(file);
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        });
        using (document)
        {
            long row = 0;
            JsonElement root = document.RootElement;
            IEnumerable<(string? Key, JsonElement Value)> items = root.ValueKind switch
            {
                JsonValueKind.Array => root.EnumerateArray().Select(element => ((string?)null, element)),
                JsonValueKind.Object => root.EnumerateObject().Select(property => ((string?)property.Name, property.Value)),
                _ => throw new DataFormatException(new DataLocation(file), "JSON root is neither an array nor an object of rows."),
            };
            foreach ((string? key, JsonElement element) in items)
            {
                if (ToObject(element) is not Dictionary<string, object?> values)
                    throw new DataFormatException(new DataLocation(file, row), "row is not a JSON object.");
                if (key is not null) values.TryAdd("__key", key);
                yield return new DataRow(file, row++, values);
            }
        }
    }

    private static async Task<T> GuardAsync<T>(string file, long? row, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception error) when (error is not DataFormatException and not OperationCanceledException and not OutOfMemoryException)
        {
            string where = row is null ? "" : $" (row group starting at row {row})";
            throw new DataFormatException(new DataLocation(file, row), $"corrupt or truncated file{where}: {error.GetType().Name}: {error.Message}", error);
        }
    }

    /// <summary>JSON → the untyped tree of <see cref="DataRow"/>: numbers keep their JSON text.</summary>
    internal static object? ToObject(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(property => property.Name, property => ToObject(property.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToObject).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    internal static bool IsList(object? value) => value is IEnumerable and not string and not byte[];
}
