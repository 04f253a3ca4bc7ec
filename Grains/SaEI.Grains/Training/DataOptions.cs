using SaEI.Gpu.Tasks.Data;

namespace SaEI.Grains.Training;

/// <summary>
/// Where a silo may read data and model files from, and how much it reads (configuration section "Saei:Data";
/// issue #11, items 5 and 6). Checked when a sweep is launched (spec paths) and when data is loaded (every table
/// file and image path, after resolving symbolic links and "..").
/// </summary>
public sealed class DataOptions
{
    public const string Section = "Saei:Data";

    /// <summary>The data folder used when <see cref="Roots"/> is empty: where the example specs keep their data
    /// (/data/...).</summary>
    public const string DefaultRoot = "/data";

    /// <summary>
    /// Absolute folders (Saei:Data:Roots:0, :1, ...) that data paths, image paths and model paths must lie in. Empty
    /// (the default): <see cref="DefaultRoot"/> only. Base models in blob storage (model.base) are always allowed.
    /// </summary>
    public List<string> Roots { get; set; } = [];

    /// <summary>Largest table file in bytes (<see cref="DataLimits.MaxFileBytes"/>). Default 16 GiB.</summary>
    public long MaxFileBytes { get; set; } = DataLimits.Default.MaxFileBytes;

    /// <summary>Largest JSONL line in bytes (<see cref="DataLimits.MaxLineBytes"/>). Default 64 MiB.</summary>
    public int MaxLineBytes { get; set; } = DataLimits.Default.MaxLineBytes;

    /// <summary>Largest .json file in bytes (<see cref="DataLimits.MaxJsonBytes"/>). Default 512 MiB.</summary>
    public long MaxJsonBytes { get; set; } = DataLimits.Default.MaxJsonBytes;

    /// <summary>The roots in force (canonical).</summary>
    public DataRoots EffectiveRoots() => new(Roots.Count > 0 ? Roots : [DefaultRoot]);

    /// <summary>The limits as the loaders take them.</summary>
    public DataLimits Limits =>
        new()
        {
            MaxFileBytes = MaxFileBytes,
            MaxLineBytes = MaxLineBytes,
            MaxJsonBytes = MaxJsonBytes,
        };

    /// <summary>Throws with the setting's name when a value is unusable (called once when the silo is
    /// configured).</summary>
    public DataOptions Validate()
    {
        try
        {
            EffectiveRoots();
            Limits.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Section}: {e.Message}", e);
        }
        return this;
    }
}
