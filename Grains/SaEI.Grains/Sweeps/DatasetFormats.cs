namespace SaEI.Grains.Sweeps;

/// <summary>The data formats a spec may name (the loaders of SaEI.Gpu Tasks/Data, DataSourceSpec).</summary>
public static class DatasetFormats
{
    public const string Synthetic = "synthetic";

    /// <summary>Every known format: `synthetic` plus the file formats, which need a `path`.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Synthetic, "geometry3k", "mmk12", "mm-eureka", "mathvista", "mathverse", "mathvision", "hallusionbench"];

    /// <summary>Synthetic task families (SaEI.Gpu Tasks/Synthetic SyntheticFamily, snake_case) and `all` (every family).</summary>
    public static IReadOnlyList<string> SyntheticTasks { get; } = ["all", "counting", "sum", "length", "geometry", "compare"];

    /// <summary>A task name of <see cref="SyntheticTasks"/>, or several families joined by '+' (e.g. `counting+length`).</summary>
    public static bool IsSyntheticTask(string task) =>
        SyntheticTasks.Contains(task) || task.Split('+').All(part => part != "all" && SyntheticTasks.Contains(part));

    public static bool IsKnown(string format) => All.Contains(format, StringComparer.Ordinal);
}
