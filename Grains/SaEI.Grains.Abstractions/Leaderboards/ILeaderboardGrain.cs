namespace SaEI.Grains.Leaderboards;

/// <summary>
/// The results of one experiment (key: experiment id): each finished run's scores, aggregated as mean ± std over
/// seeds per (method, config, benchmark). Recording is idempotent per run.
/// </summary>
public interface ILeaderboardGrain : IGrainWithStringKey
{
    Task RecordAsync(RunScores result);

    /// <summary>Rows for one benchmark, or every benchmark when null; ordered by benchmark, then mean
    /// descending.</summary>
    Task<IReadOnlyList<LeaderboardRow>> QueryAsync(string? benchmark);

    /// <summary>
    /// Every (method, config) against <paramref name="baseline"/> (a method name, e.g. "grpo") per benchmark, or on
    /// one benchmark: the difference with its 95% bootstrap interval, Welch's p, the MDE and the verdict.
    /// </summary>
    Task<IReadOnlyList<LeaderboardComparison>> CompareAsync(string? benchmark, string baseline);
}

/// <summary>One finished run's scores by benchmark (the in-domain test set is "in-domain").</summary>
[GenerateSerializer, Immutable]
public sealed record RunScores(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Method,
    [property: Id(2)] string ConfigKey,
    [property: Id(3)] int Seed,
    [property: Id(4)] IReadOnlyDictionary<string, double> Scores
)
{
    /// <summary>The step all scores were evaluated at (the best in-domain step); its per-problem results are stored
    /// under it. Null for records written before it existed.</summary>
    [Id(5)]
    public int? Step { get; init; }
}

/// <summary>Mean ± sample standard deviation over seeds of one (method, config, benchmark).</summary>
[GenerateSerializer, Immutable]
public sealed record LeaderboardRow(
    [property: Id(0)] string Method,
    [property: Id(1)] string ConfigKey,
    [property: Id(2)] string Benchmark,
    [property: Id(3)] double Mean,
    [property: Id(4)] double Std,
    [property: Id(5)] int Seeds
);

/// <summary>
/// One (method, config) against the baseline method on one benchmark. Scores are fractions in [0, 1] (×100 for
/// points): Difference = mean(method) − mean(baseline) over seeds; [Low, High] its 95% bootstrap interval (seeds,
/// and problems within seeds when per-problem results are stored; paired where shared); StandardError the bootstrap
/// SE; Welch's t, df and two-sided p over the seeds' scores; Mde the minimum detectable difference (α 0.05, power
/// 0.8: 2.80 · SE); Verdict "better", "worse", "no-difference" (from the interval only) or "no-baseline";
/// VerdictText the words for a report; Note why a figure is missing or what the interval does not cover.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LeaderboardComparison(
    [property: Id(0)] string Benchmark,
    [property: Id(1)] string Method,
    [property: Id(2)] string ConfigKey,
    [property: Id(3)] string Baseline,
    [property: Id(4)] string BaselineConfigKey,
    [property: Id(5)] int Seeds,
    [property: Id(6)] int BaselineSeeds,
    [property: Id(7)] int? Problems,
    [property: Id(8)] double? Difference,
    [property: Id(9)] double? Low,
    [property: Id(10)] double? High,
    [property: Id(11)] double? StandardError,
    [property: Id(12)] double? WelchT,
    [property: Id(13)] double? WelchDf,
    [property: Id(14)] double? WelchP,
    [property: Id(15)] double? Mde,
    [property: Id(16)] string Verdict,
    [property: Id(17)] string VerdictText,
    [property: Id(18)] bool PairedSeeds,
    [property: Id(19)] bool PairedProblems,
    [property: Id(20)] string Resampled,
    [property: Id(21)] string? Note
);
