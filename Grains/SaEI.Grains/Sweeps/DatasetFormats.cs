using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// The spec names of the data formats and synthetic task families. Decision: the closed sets are the enums of
/// SaEI.Gpu (<see cref="DataFormat"/>, <see cref="SyntheticFamily"/>); the names here are derived from them, so a new
/// loader is nameable in a spec without a second list to keep in step.
/// </summary>
public static class DatasetFormats
{
    /// <summary>The spec name of <see cref="DataFormat.Synthetic"/>.</summary>
    public static readonly string Synthetic = Name(DataFormat.Synthetic);

    /// <summary>Every known format's spec name: `synthetic` plus the file formats, which need a `path`.</summary>
    public static IReadOnlyList<string> All { get; } =
    [Synthetic, .. Enum.GetValues<DataFormat>().Where(f => f != DataFormat.Synthetic).Select(Name)];

    /// <summary>`all` (every family) and each synthetic family's snake_case name.</summary>
    public static IReadOnlyList<string> SyntheticTasks { get; } =
    ["all", .. Enum.GetValues<SyntheticFamily>().Select(f => OptionKeys.ToKey(f.ToString()))];

    /// <summary>
    /// The name a spec uses for <paramref name="format"/>: the enum name in lower case, words run together
    /// (`mathvista`), except the conversation format, whose dataset is called MM-Eureka (`mm-eureka`).
    /// </summary>
    public static string Name(DataFormat format) =>
        format == DataFormat.MmEureka ? "mm-eureka" : format.ToString().ToLowerInvariant();

    /// <summary>The format whose spec name is exactly <paramref name="name"/>; false for any other text.</summary>
    public static bool TryParse(string name, out DataFormat format)
    {
        foreach (var candidate in Enum.GetValues<DataFormat>())
            if (string.Equals(Name(candidate), name, StringComparison.Ordinal))
            {
                format = candidate;
                return true;
            }
        format = default;
        return false;
    }

    /// <summary>
    /// The families of a task text (`all`, one family, or several joined by '+', e.g. `counting+length`); null when
    /// a part is not a family.
    /// </summary>
    public static IReadOnlyList<SyntheticFamily>? ParseFamilies(string task)
    {
        if (task == "all")
            return Enum.GetValues<SyntheticFamily>();
        var families = new List<SyntheticFamily>();
        foreach (string part in task.Split('+'))
        {
            var match = Enum.GetValues<SyntheticFamily>().Where(f => OptionKeys.ToKey(f.ToString()) == part).ToList();
            if (match.Count != 1)
                return null;
            families.Add(match[0]);
        }
        return families;
    }

    public static bool IsKnown(string format) => TryParse(format, out _);
}
