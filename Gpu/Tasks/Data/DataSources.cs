using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tasks.Synthetic;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// Loads a <see cref="DataSourceSpec"/> from local files (no downloads). Format names (case-insensitive, '-' and
/// '_' ignored): geometry3k, mmk12, mm-eureka (JSONL conversations), mathvista, mathverse, mathvision,
/// hallusionbench, synthetic. Tables may be .parquet, .jsonl or .json (see <see cref="TableReader"/>).
/// </summary>
public static class DataSources
{
    /// <summary>The format called <paramref name="name"/>; unknown names list the known ones.</summary>
    public static DataFormat ParseFormat(string name)
    {
        string key = name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        foreach (DataFormat format in Enum.GetValues<DataFormat>())
            if (string.Equals(format.ToString(), key, StringComparison.OrdinalIgnoreCase))
                return format;
        throw new ArgumentException(
            $"Unknown data format '{name}'; use one of: "
                + $"{string.Join(", ", Enum.GetNames<DataFormat>().Select(n => n.ToLowerInvariant()))}.",
            nameof(name)
        );
    }

    /// <summary>Every problem of the source, in file order, after <see cref="DataSourceSpec.Skip"/> and up to
    /// <see cref="DataSourceSpec.MaxRows"/>.</summary>
    public static async Task<IReadOnlyList<VisualProblem>> LoadAsync(
        DataSourceSpec spec,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Skip < 0)
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Skip, "Set skip ≥ 0.");
        if (spec.MaxRows is < 0)
            throw new ArgumentOutOfRangeException(nameof(spec), spec.MaxRows, "Set max_rows ≥ 0 or leave it unset.");
        spec.ImageLimits.Validate();
        spec.Limits.Validate();
        DataFormat format = ParseFormat(spec.Format);
        if (format == DataFormat.Synthetic)
        {
            var task = new SyntheticTask(spec.Synthetic ?? new SyntheticTaskOptions());
            return task.Generate(spec.Skip + (spec.MaxRows ?? 1000)).Skip(spec.Skip).ToList();
        }
        string path =
            spec.Path ?? throw new ArgumentException($"Data source '{spec.Format}' needs a path.", nameof(spec));
        Func<DataRow, ImageLimits, VisualProblem> fromRow = format switch
        {
            DataFormat.Geometry3k => Geometry3kFormat.FromRow,
            DataFormat.Mmk12 => Mmk12Format.FromRow,
            DataFormat.MmEureka => MmEurekaConversationFormat.FromRow,
            DataFormat.MathVista => MathVistaFormat.FromRow,
            DataFormat.MathVerse => MathVerseFormat.FromRow,
            DataFormat.MathVision => MathVisionFormat.FromRow,
            DataFormat.HallusionBench => HallusionBenchFormat.FromRow,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), format, "Unhandled data format."),
        };
        var problems = new List<VisualProblem>();
        long index = 0;
        await foreach (DataRow row in TableReader.ReadAsync(path, spec.Limits, spec.Roots, cancellationToken))
        {
            if (spec.MaxRows is { } max && problems.Count >= max)
                break;
            if (index++ < spec.Skip)
                continue;
            problems.Add(fromRow(row, spec.ImageLimits));
        }
        return problems;
    }

    /// <summary>Blocking <see cref="LoadAsync"/> for command-line tools and tests; never call it on a grain's
    /// scheduler.</summary>
    public static IReadOnlyList<VisualProblem> Load(DataSourceSpec spec) => LoadAsync(spec).GetAwaiter().GetResult();
}
