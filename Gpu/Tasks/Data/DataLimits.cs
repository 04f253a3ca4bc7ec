namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// Bounds on what reading a data source may hold in memory (issue #11, item 5): no read grows without bound, and
/// a value over a limit is a <see cref="DataFormatException"/> naming the file, the row and the limit. On a silo the
/// limits are the "Saei:Data" settings of the same names. Image limits are separate (<see cref="Images.ImageLimits"/>).
/// </summary>
public sealed record DataLimits
{
    /// <summary>Largest table file (.parquet, .jsonl, .json) in bytes. Default 16 GiB.</summary>
    public long MaxFileBytes { get; init; } = 16L << 30;

    /// <summary>Largest line of a .jsonl file in bytes (one row, images inline as base64 included). Default 64
    /// MiB.</summary>
    public int MaxLineBytes { get; init; } = 64 << 20;

    /// <summary>Largest .json file in bytes (parsed whole, in memory). Default 512 MiB.</summary>
    public long MaxJsonBytes { get; init; } = 512L << 20;

    /// <summary>The defaults.</summary>
    public static DataLimits Default { get; } = new();

    /// <summary>Throws when a limit is not positive.</summary>
    public void Validate()
    {
        if (MaxFileBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, "Set MaxFileBytes ≥ 1.");
        if (MaxLineBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, "Set MaxLineBytes ≥ 1.");
        if (MaxJsonBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxJsonBytes), MaxJsonBytes, "Set MaxJsonBytes ≥ 1.");
    }
}
