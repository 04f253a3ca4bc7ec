namespace SaEI.Grains.Leaderboards;

/// <summary>
/// The results of one experiment (key: experiment id): each finished run's scores, aggregated as mean ± std over
/// seeds per (method, config, benchmark). Recording is idempotent per run.
/// </summary>
public interface ILeaderboardGrain : IGrainWithStringKey
{
    Task RecordAsync(RunScores result);

    /// <summary>Rows for one benchmark, or every benchmark when null; ordered by benchmark, then mean descending.</summary>
    Task<IReadOnlyList<LeaderboardRow>> QueryAsync(string? benchmark);
}

/// <summary>One finished run's scores by benchmark (the in-domain test set is "in-domain").</summary>
[GenerateSerializer, Immutable]
public sealed record RunScores(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Method,
    [property: Id(2)] string ConfigKey,
    [property: Id(3)] int Seed,
    [property: Id(4)] IReadOnlyDictionary<string, double> Scores);

/// <summary>Mean ± sample standard deviation over seeds of one (method, config, benchmark).</summary>
[GenerateSerializer, Immutable]
public sealed record LeaderboardRow(
    [property: Id(0)] string Method,
    [property: Id(1)] string ConfigKey,
    [property: Id(2)] string Benchmark,
    [property: Id(3)] double Mean,
    [property: Id(4)] double Std,
    [property: Id(5)] int Seeds);
