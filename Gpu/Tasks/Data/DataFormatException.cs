namespace SaEI.Gpu.Tasks.Data;

/// <summary>Where a value came from: the file, the row (0-based, data rows only) and the field. Any part may be
/// unknown (null); the message prints only what is known.</summary>
public sealed record DataLocation(string File, long? Row = null, string? Field = null)
{
    /// <summary>The same file and row, another field.</summary>
    public DataLocation WithField(string field) => this with { Field = field };

    public override string ToString()
    {
        string text = $"file '{File}'";
        if (Row is { } row)
            text += $", row {row}";
        if (Field is { } field)
            text += $", field '{field}'";
        return text;
    }
}

/// <summary>
/// The one error type of the data and image layer: bad input (missing column, corrupt or truncated image, oversized
/// image, truncated file, unknown format) is reported through it, never as a crash. The message names the file, the
/// row and the field, says what is wrong and what to do.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(DataLocation location, string problem, Exception? inner = null)
        : base($"{location}: {problem}", inner)
    {
        Location = location;
        Problem = problem;
    }

    /// <summary>What is wrong and what to do, without the location (for callers that name the file
    /// themselves).</summary>
    public string Problem { get; }

    /// <summary>File, row and field of the bad value.</summary>
    public DataLocation Location { get; }
}
