using Orleans.Storage;
using Orleans.Concurrency;
using SaEI.Grains.Results;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Leaderboards;

/// <summary>
/// The results of one experiment. Recording is idempotent per run id; queries are answered from rows cached since
/// the last record ([ReadOnly] lets queries run concurrently), so a query costs no storage and no aggregation.
/// </summary>
public sealed class LeaderboardGrain(
    [PersistentState("leaderboard", StorageNames.GrainState)] IPersistentState<LeaderboardGrainState> state) : Grain, ILeaderboardGrain
{
    private IReadOnlyList<LeaderboardRow>? rows;
    private Dictionary<string, IReadOnlyList<LeaderboardRow>>? byBenchmark;

    public async Task RecordAsync(RunScores result)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (state.State.Results.TryGetValue(result.RunId, out var existing) && SameScores(existing, result)) return;
            state.State.Results[result.RunId] = result;
            rows = null;
            try
            {
                await state.WriteStateAsync();
                return;
            }
            catch (InconsistentStateException) when (attempt < 3)
            {
                await state.ReadStateAsync(); // another activation wrote: merge on the fresh state, never overwrite it
            }
        }
    }

    [ReadOnly]
    public Task<IReadOnlyList<LeaderboardRow>> QueryAsync(string? benchmark)
    {
        if (rows is null)
        {
            rows = Aggregate(state.State.Results.Values);
            byBenchmark = rows.GroupBy(r => r.Benchmark).ToDictionary(g => g.Key, g => (IReadOnlyList<LeaderboardRow>)[.. g]);
        }
        return Task.FromResult(benchmark is null ? rows : byBenchmark!.GetValueOrDefault(benchmark, []));
    }

    /// <summary>Mean ± std over seeds (<see cref="ResultAggregation"/>), ordered by benchmark, then mean descending.</summary>
    public static IReadOnlyList<LeaderboardRow> Aggregate(IEnumerable<RunScores> runs) =>
        [.. ResultAggregation.Aggregate(runs.SelectMany(r => r.Scores.Select(s => new RunResult(r.Method, r.ConfigKey, r.Seed, s.Key, s.Value))))
            .Select(a => new LeaderboardRow(a.Method, a.ConfigLabel, a.Benchmark, a.Mean, a.Std, a.Seeds))
            .OrderBy(r => r.Benchmark, StringComparer.Ordinal)
            .ThenByDescending(r => r.Mean)
            .ThenBy(r => r.Method, StringComparer.Ordinal)];

    private static bool SameScores(RunScores a, RunScores b) =>
        a.Scores.Count == b.Scores.Count && a.Scores.All(s => b.Scores.TryGetValue(s.Key, out double v) && v.Equals(s.Value));
}

[GenerateSerializer]
public sealed class LeaderboardGrainState
{
    [Id(0)] public Dictionary<string, RunScores> Results { get; set; } = [];
}
