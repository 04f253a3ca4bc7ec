using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Results;
using SaEI.Grains.Results.Statistics;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Leaderboards;

/// <summary>
/// The results of one experiment. Recording is idempotent per run id; queries are answered from rows cached since
/// the last record ([ReadOnly] lets queries run concurrently), so a query costs no storage and no aggregation.
/// Comparisons with a baseline (<see cref="LeaderboardComparisons"/>) read the runs' per-problem results from blob
/// storage (<see cref="ProblemResultsStore"/>) once per baseline and are cached the same way. The blob store is
/// optional: a silo with grain storage only (no data container) compares on seed scores alone.
/// </summary>
public sealed class LeaderboardGrain(
    [PersistentState("leaderboard", StorageNames.GrainState)] IPersistentState<LeaderboardGrainState> state,
    IServiceProvider services,
    ILogger<LeaderboardGrain> logger
) : Grain, ILeaderboardGrain
{
    private readonly Dictionary<string, IReadOnlyList<LeaderboardComparison>> comparisons = new(StringComparer.Ordinal);
    private IReadOnlyList<LeaderboardRow>? rows;
    private Dictionary<string, IReadOnlyList<LeaderboardRow>>? byBenchmark;

    public async Task RecordAsync(RunScores result) =>
        await GrainStateUpdate.ApplyAsync(
            state,
            s =>
            {
                if (s.Results.TryGetValue(result.RunId, out var existing) && SameScores(existing, result))
                    return false;
                s.Results[result.RunId] = result;
                rows = null;
                comparisons.Clear();
                return true;
            },
            DeactivateOnIdle,
            logger,
            $"leaderboard {this.GetPrimaryKeyString()}"
        );

    [ReadOnly]
    public Task<IReadOnlyList<LeaderboardRow>> QueryAsync(string? benchmark)
    {
        if (rows is null)
        {
            rows = Aggregate(state.State.Results.Values);
            byBenchmark = rows.GroupBy(r => r.Benchmark)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<LeaderboardRow>)[.. g]);
        }
        return Task.FromResult(benchmark is null ? rows : byBenchmark!.GetValueOrDefault(benchmark, []));
    }

    public async Task<IReadOnlyList<LeaderboardComparison>> CompareAsync(string? benchmark, string baseline)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseline);
        if (!comparisons.TryGetValue(baseline, out var all))
        {
            var runs = state.State.Results.Values.OrderBy(r => r.RunId, StringComparer.Ordinal).ToList();
            var problems = await ReadProblemsAsync(runs);
            all = LeaderboardComparisons.Compare(
                runs,
                baseline,
                (run, name) => problems.GetValueOrDefault((run.RunId, name))
            );
            comparisons[baseline] = all;
        }
        return benchmark is null ? all : [.. all.Where(c => c.Benchmark == benchmark)];
    }

    /// <summary>The stored per-problem results of every run's scores (absent for runs without them).</summary>
    private async Task<Dictionary<(string RunId, string Name), ProblemPasses>> ReadProblemsAsync(
        IReadOnlyList<RunScores> runs
    )
    {
        var found = new Dictionary<(string, string), ProblemPasses>();
        if (services.GetService(typeof(ResilientBlobStore)) is not ResilientBlobStore blobs)
            return found;
        var store = new ProblemResultsStore(blobs);
        string experiment = this.GetPrimaryKeyString();
        foreach (var run in runs.Where(r => r.Step is not null))
        foreach (string name in run.Scores.Keys.Where(Ids.IsValid))
            if (
                await store.TryReadAsync(experiment, run.RunId, run.Step!.Value, name, CancellationToken.None) is
                { } passes
            )
                found[(run.RunId, name)] = passes;
        return found;
    }

    /// <summary>Mean ± std over seeds (<see cref="ResultAggregation"/>), ordered by benchmark, then mean
    /// descending.</summary>
    public static IReadOnlyList<LeaderboardRow> Aggregate(IEnumerable<RunScores> runs) =>
        [
            .. ResultAggregation
                .Aggregate(
                    runs.SelectMany(r =>
                        r.Scores.Select(s => new RunResult(r.Method, r.ConfigKey, r.Seed, s.Key, s.Value))
                    )
                )
                .Select(a => new LeaderboardRow(a.Method, a.ConfigLabel, a.Benchmark, a.Mean, a.Std, a.Seeds))
                .OrderBy(r => r.Benchmark, StringComparer.Ordinal)
                .ThenByDescending(r => r.Mean)
                .ThenBy(r => r.Method, StringComparer.Ordinal),
        ];

    private static bool SameScores(RunScores a, RunScores b) =>
        a.Scores.Count == b.Scores.Count
        && a.Scores.All(s => b.Scores.TryGetValue(s.Key, out double v) && v.Equals(s.Value));
}

[GenerateSerializer]
public sealed class LeaderboardGrainState
{
    [Id(0)]
    public Dictionary<string, RunScores> Results { get; set; } = [];
}
