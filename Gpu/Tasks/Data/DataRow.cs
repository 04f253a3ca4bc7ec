using System.Collections;
using System.Globalization;
using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// One row of a table (parquet row or JSON object) with typed, located accessors: every failure is a <see
/// cref="DataFormatException"/> naming the file, the row and the field. Values are the untyped tree both readers
/// produce: string, byte[], numbers, bool, lists (IEnumerable) and structs (IDictionary&lt;string, object?&gt;).
/// </summary>
public sealed class DataRow
{
    private readonly IReadOnlyDictionary<string, object?> values;

    public DataRow(
        string file,
        long row,
        IReadOnlyDictionary<string, object?> values,
        string? imageFolder = null,
        DataRoots? roots = null
    )
    {
        File = file;
        Row = row;
        this.values = values;
        ImageFolder = imageFolder ?? System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file)) ?? ".";
        Roots = roots;
    }

    /// <summary>The data file.</summary>
    public string File { get; }

    /// <summary>0-based row index over the whole file.</summary>
    public long Row { get; }

    /// <summary>Folder that relative image paths resolve against (the data file's folder).</summary>
    public string ImageFolder { get; }

    /// <summary>Folders image paths must lie in (null: any path; the silo always sets them).</summary>
    public DataRoots? Roots { get; }

    /// <summary>Location of a field of this row, for errors.</summary>
    public DataLocation At(string field) => new(File, Row, field);

    /// <summary>True when the field exists and is not null.</summary>
    public bool Has(string field) => values.TryGetValue(field, out object? value) && value is not null;

    /// <summary>The raw value; a missing field is an error naming the fields that do exist.</summary>
    public object? Raw(string field) =>
        values.TryGetValue(field, out object? value)
            ? value
            : throw new DataFormatException(
                At(field),
                $"missing field; the row has: {string.Join(", ", values.Keys)}. Check the format name."
            );

    /// <summary>A required, non-null value as text (numbers in invariant culture).</summary>
    public string RequireString(string field) =>
        AsString(Raw(field), field) ?? throw new DataFormatException(At(field), "value is null; a value is required.");

    /// <summary>Text of the first present non-null field among <paramref name="fields"/>.</summary>
    public string RequireString(params string[] fields)
    {
        foreach (string field in fields)
            if (Has(field))
                return RequireString(field);
        return RequireString(fields[0]);
    }

    /// <summary>Text, or null when the field is missing or null.</summary>
    public string? OptionalString(string field) =>
        values.TryGetValue(field, out object? value) ? AsString(value, field) : null;

    /// <summary>A list of strings, or null when missing or null. A JSON-encoded list in a string is accepted
    /// too.</summary>
    public IReadOnlyList<string>? OptionalStringList(string field)
    {
        if (!values.TryGetValue(field, out object? value) || value is null)
            return null;
        if (value is string text)
        {
            if (text.Length == 0)
                return [];
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize<List<string>>(text)
                    ?? throw new DataFormatException(
                        At(field),
                        "expected a list of strings, got the JSON literal null."
                    );
            }
            catch (System.Text.Json.JsonException error)
            {
                throw new DataFormatException(
                    At(field),
                    $"expected a list of strings, got text that is not a JSON list (at byte "
                        + $"{error.BytePositionInLine}).",
                    error
                );
            }
        }
        if (value is IEnumerable items and not byte[])
            return items.Cast<object?>().Select(item => AsString(item, field) ?? "").ToList();
        throw new DataFormatException(At(field), $"expected a list of strings, got {value.GetType().Name}.");
    }

    /// <summary>
    /// The image of the first present non-null field among <paramref name="fields"/>. Accepted values: encoded
    /// bytes; a path (relative to <see cref="ImageFolder"/>, "file://" allowed); a struct {bytes, path} (HF Image
    /// feature; bytes win); a list of those (the first is used).
    /// </summary>
    public RgbImage RequireImage(ImageLimits limits, params string[] fields)
    {
        foreach (string field in fields)
            if (Has(field))
                return ImageFrom(values[field], At(field), limits);
        string firstField = fields[0];
        Raw(firstField); // throws "missing field" when absent
        throw new DataFormatException(At(firstField), $"no image: {string.Join(", ", fields)} are null.");
    }

    private RgbImage ImageFrom(object? value, DataLocation location, ImageLimits limits)
    {
        switch (value)
        {
            case byte[] bytes:
                return ImageDecoder.Decode(bytes, location, limits);
            case ReadOnlyMemory<byte> memory:
                return ImageDecoder.Decode(memory.ToArray(), location, limits);
            case string path:
                return ImageDecoder.DecodeFile(ResolvePath(path, location), location, limits);
            case IDictionary<string, object?> structure:
                if (structure.TryGetValue("bytes", out object? bytesValue) && bytesValue is not null)
                    return ImageFrom(bytesValue, location with { Field = $"{location.Field}.bytes" }, limits);
                if (structure.TryGetValue("path", out object? pathValue) && pathValue is not null)
                    return ImageFrom(
                        AsString(pathValue, location.Field ?? ""),
                        location with
                        {
                            Field = $"{location.Field}.path",
                        },
                        limits
                    );
                throw new DataFormatException(location, "image struct has neither bytes nor path.");
            case IEnumerable list:
                object? first = list.Cast<object?>().FirstOrDefault();
                return first is not null
                    ? ImageFrom(first, location with { Field = $"{location.Field}[0]" }, limits)
                    : throw new DataFormatException(location, "image list is empty.");
            default:
                throw new DataFormatException(
                    location,
                    $"cannot read an image from a {value?.GetType().Name ?? "null"} value."
                );
        }
    }

    private string ResolvePath(string path, DataLocation location)
    {
        if (path.StartsWith("file://", StringComparison.Ordinal))
            path = path["file://".Length..];
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
            throw new DataFormatException(location, "image path is empty or holds a NUL character.");
        string full = System.IO.Path.IsPathRooted(path)
            ? path
            : System.IO.Path.GetFullPath(System.IO.Path.Combine(ImageFolder, path));
        return Roots?.Confine(full, location) ?? full;
    }

    private string? AsString(object? value, string field) =>
        value switch
        {
            null => null,
            string text => text,
            ReadOnlyMemory<char> chars => chars.ToString(),
            bool flag => flag ? "true" : "false",
            IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
            _ => throw new DataFormatException(At(field), $"expected text or a number, got {value.GetType().Name}."),
        };
}
