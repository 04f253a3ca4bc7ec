namespace SaEI.Grains.Results;

/// <summary>One evaluation score of one run: (method, config label, seed, benchmark) → score (a fraction in [0, 1]
/// or a percentage; aggregation does not care, <see cref="PaperTable"/> scales).</summary>
public sealed record RunResult(string Method, string ConfigLabel, int Seed, string Benchmark, double Score);

/// <summary>
/// Mean ± sample standard deviation (n − 1) over seeds for one (method, config, benchmark). With one seed the std is 0
/// and <see cref="SingleSeed"/> is set, so a table can flag it rather than claim zero spread.
/// </summary>
public sealed record AggregateRow(
    string Method,
    string ConfigLabel,
    string Benchmark,
    int Seeds,
    double Mean,
    double Std
)
{
    public bool SingleSeed => Seeds == 1;
}

/// <summary>
/// Aggregation of per-run results into paper rows (the paper: "We run each experiment three times and report its
/// average and standard deviation"). Pure.
/// Decisions:
/// 1. Sample std (n − 1), as numpy.std(ddof=1) and the usual "± std over seeds"; n = 1 → 0, flagged.
/// 2. A duplicate (method, config, seed, benchmark) or a non-finite score is an error naming it, never silently merged.
/// 3. An average column (the paper's "OOD Avg.") is computed per seed over the listed benchmarks first, then mean ± std
///    over seeds; seeds missing any listed benchmark are left out of it.
/// </summary>
public static class ResultAggregation
{
    public static IReadOnlyList<AggregateRow> Aggregate(IEnumerable<RunResult> results)
    {
        var list = results.ToList();
        var seen = new HashSet<(string, string, int, string)>();
        foreach (var r in list)
        {
            if (!double.IsFinite(r.Score))
                throw new ArgumentException(
                    $"result {r.Method}/{r.ConfigLabel}/seed {r.Seed}/{r.Benchmark} has a non-finite score "
                        + $"({r.Score}); re-run its evaluation.",
                    nameof(results)
                );
            if (!seen.Add((r.Method, r.ConfigLabel, r.Seed, r.Benchmark)))
                throw new ArgumentException(
                    $"result {r.Method}/{r.ConfigLabel}/seed {r.Seed}/{r.Benchmark} appears twice; keep one score "
                        + $"per run and benchmark.",
                    nameof(results)
                );
        }
        return list.GroupBy(r => (r.Method, r.ConfigLabel, r.Benchmark))
            .OrderBy(g => g.Key.Method, StringComparer.Ordinal)
            .ThenBy(g => g.Key.ConfigLabel, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Benchmark, StringComparer.Ordinal)
            .Select(g =>
            {
                var (mean, std) = MeanStd(g.Select(r => r.Score).ToList());
                return new AggregateRow(g.Key.Method, g.Key.ConfigLabel, g.Key.Benchmark, g.Count(), mean, std);
            })
            .ToList();
    }

    /// <summary>Per seed, the mean of <paramref name="benchmarks"/>, as results named <paramref
    /// name="averageName"/>.</summary>
    public static IReadOnlyList<RunResult> AveragePerSeed(
        IEnumerable<RunResult> results,
        string averageName,
        IReadOnlyCollection<string> benchmarks
    )
    {
        if (benchmarks.Count == 0)
            throw new ArgumentException($"average '{averageName}' lists no benchmarks.", nameof(benchmarks));
        return results
            .Where(r => benchmarks.Contains(r.Benchmark))
            .GroupBy(r => (r.Method, r.ConfigLabel, r.Seed))
            .Where(g => g.Select(r => r.Benchmark).Distinct().Count() == benchmarks.Count)
            .Select(g => new RunResult(
                g.Key.Method,
                g.Key.ConfigLabel,
                g.Key.Seed,
                averageName,
                g.Average(r => r.Score)
            ))
            .ToList();
    }

    /// <summary>Mean and sample std (n − 1); std 0 for one value.</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("no values to aggregate.", nameof(values));
        double mean = values.Average();
        if (values.Count == 1)
            return (mean, 0);
        double sumSquares = values.Sum(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(sumSquares / (values.Count - 1)));
    }
}
