using SaEI.Grains.Results.Statistics;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Leaderboards;

/// <summary>
/// The leaderboard's statistics (<see cref="LeaderboardComparison"/>): per benchmark, each (method, config) against
/// the baseline method by <see cref="MethodComparison"/> on the runs' seed scores and, where stored, their
/// per-problem results. Pure: the caller fetches the per-problem results.
/// Decisions:
/// 1. The baseline's config: its only one, else the one with the method's config key, else the first by name (noted).
/// 2. A benchmark without baseline runs still lists every method, with verdict "no-baseline" and no numbers.
/// 3. The bootstrap is seeded (<see cref="BootstrapOptions.Seed"/> 0): the same runs give the same intervals.
/// 4. Order: in-domain first, then benchmarks by name; within one, methods by name, then config.
/// </summary>
public static class LeaderboardComparisons
{
    /// <summary>The default baseline method (the paper's: GRPO).</summary>
    public const string DefaultBaseline = "grpo";

    public static IReadOnlyList<LeaderboardComparison> Compare(
        IEnumerable<RunScores> runs,
        string baseline,
        Func<RunScores, string, ProblemPasses?> problems,
        BootstrapOptions? options = null
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseline);
        var evaluations = runs.SelectMany(run =>
                run.Scores.Select(score =>
                    (
                        run.Method,
                        run.ConfigKey,
                        Benchmark: score.Key,
                        Evaluation: new SeedEvaluation(run.Seed, score.Value, problems(run, score.Key))
                    )
                )
            )
            .ToList();
        var comparisons = new List<LeaderboardComparison>();
        foreach (
            var benchmark in evaluations
                .GroupBy(e => e.Benchmark)
                .OrderBy(g => g.Key == MetricNames.InDomain ? 0 : 1)
                .ThenBy(g => g.Key, StringComparer.Ordinal)
        )
        {
            var byConfig = benchmark
                .GroupBy(e => (e.Method, e.ConfigKey))
                .ToDictionary(g => g.Key, g => g.Select(e => e.Evaluation).ToList());
            var baselineConfigs = byConfig
                .Keys.Where(k => k.Method == baseline)
                .Select(k => k.ConfigKey)
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (
                var ((method, config), list) in byConfig
                    .Where(p => p.Key.Method != baseline)
                    .OrderBy(p => p.Key.Method, StringComparer.Ordinal)
                    .ThenBy(p => p.Key.ConfigKey, StringComparer.Ordinal)
            )
            {
                if (baselineConfigs.Count == 0)
                {
                    comparisons.Add(NoBaseline(benchmark.Key, method, config, baseline, list));
                    continue;
                }
                string baselineConfig =
                    baselineConfigs.Count == 1 || !baselineConfigs.Contains(config) ? baselineConfigs[0] : config;
                var result = MethodComparison.Compare(list, byConfig[(baseline, baselineConfig)], options);
                string? note =
                    baselineConfigs.Count > 1 && baselineConfig != config
                        ? Join(
                            result.Note,
                            $"{baseline} has {baselineConfigs.Count} configs; compared with '{baselineConfig}'"
                        )
                        : result.Note;
                comparisons.Add(Row(benchmark.Key, method, config, baseline, baselineConfig, list, result, note));
            }
        }
        return comparisons;
    }

    private static LeaderboardComparison Row(
        string benchmark,
        string method,
        string config,
        string baseline,
        string baselineConfig,
        List<SeedEvaluation> list,
        Comparison c,
        string? note
    ) =>
        new(
            benchmark,
            method,
            config,
            baseline,
            baselineConfig,
            c.MethodSeeds,
            c.BaselineSeeds,
            Problems(list),
            c.Difference,
            c.Low,
            c.High,
            c.StandardError,
            c.Welch.T,
            c.Welch.DegreesOfFreedom,
            c.Welch.P,
            c.MinimumDetectableDifference,
            c.Verdict switch
            {
                ComparisonVerdict.Better => "better",
                ComparisonVerdict.Worse => "worse",
                _ => "no-difference",
            },
            c.VerdictText,
            c.PairedSeeds,
            c.PairedProblems,
            c.Resampled,
            note
        );

    private static LeaderboardComparison NoBaseline(
        string benchmark,
        string method,
        string config,
        string baseline,
        List<SeedEvaluation> list
    ) =>
        new(
            benchmark,
            method,
            config,
            baseline,
            "",
            list.Count,
            0,
            Problems(list),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "no-baseline",
            $"no {baseline} results on {benchmark} to compare with",
            false,
            false,
            "nothing",
            $"run the baseline method '{baseline}' on {benchmark}, or pass another baseline"
        );

    /// <summary>Problems per evaluation when every seed stored the same number, else null.</summary>
    private static int? Problems(List<SeedEvaluation> list)
    {
        var counts = list.Select(e => e.Problems?.Ids.Count).Distinct().ToList();
        return counts.Count == 1 ? counts[0] : null;
    }

    private static string Join(string? first, string second) => first is null ? second : $"{first}; {second}";
}
