namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// Names a data source in a sweep spec: a format, a local path (file or folder) and optional limits.
/// Formats: <see cref="DataFormat"/> (the one list; names case-insensitive, '-' and '_' ignored). A folder path
/// loads every *.parquet (else *.jsonl, else *.json) file in it, sorted by name.
/// </summary>
public sealed record DataSourceSpec
{
    /// <summary>Format name (case-insensitive).</summary>
    public required string Format { get; init; }

    /// <summary>File or folder. Unused by <c>synthetic</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Keep at most this many problems (first in file order). Default null: all.</summary>
    public int? MaxRows { get; init; }

    /// <summary>Skip this many rows first. Default 0.</summary>
    public int Skip { get; init; }

    /// <summary>Image decoding limits.</summary>
    public Images.ImageLimits ImageLimits { get; init; } = Images.ImageLimits.Default;

    /// <summary>Size limits on the table files and their lines.</summary>
    public DataLimits Limits { get; init; } = DataLimits.Default;

    /// <summary>
    /// Folders the path and every image path of a row must lie in; null: any path (a trusted local caller: tests,
    /// command-line tools). A silo always sets the configured roots (Saei:Data:Roots).
    /// </summary>
    public DataRoots? Roots { get; init; }

    /// <summary>For <c>synthetic</c>: the task options (count comes from <see cref="MaxRows"/>, default
    /// 1000).</summary>
    public Synthetic.SyntheticTaskOptions? Synthetic { get; init; }
}
