using System.Collections.Concurrent;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Workers;

/// <summary>Checkpoints in process memory: for the scheduling benchmark and executor unit tests (no storage cost).</summary>
public sealed class InMemoryCheckpointBackend : ICheckpointBackend
{
    private readonly ConcurrentDictionary<string, SortedDictionary<int, IReadOnlyDictionary<string, byte[]>>> checkpoints = new();

    public Task<RestoredCheckpoint?> LoadLatestIntactAsync(RunDescriptor run, CancellationToken cancellation)
    {
        if (!checkpoints.TryGetValue(run.RunId, out var byStep)) return Task.FromResult<RestoredCheckpoint?>(null);
        lock (byStep)
        {
            if (byStep.Count == 0) return Task.FromResult<RestoredCheckpoint?>(null);
            var latest = byStep.Last();
            return Task.FromResult<RestoredCheckpoint?>(new RestoredCheckpoint(latest.Key, latest.Value, []));
        }
    }

    public Task CommitAsync(RunDescriptor run, int step, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellation)
    {
        var byStep = checkpoints.GetOrAdd(run.RunId, _ => new SortedDictionary<int, IReadOnlyDictionary<string, byte[]>>());
        var copy = files.ToDictionary(f => f.Key, f => f.Value.ToArray());
        lock (byStep) byStep[step] = copy;
        return Task.CompletedTask;
    }

    public Task AppendMetricsAsync(RunDescriptor run, IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Values)> records, CancellationToken cancellation) =>
        Task.CompletedTask;

    /// <summary>Steps committed for a run (tests).</summary>
    public IReadOnlyList<int> StepsOf(string runId)
    {
        if (!checkpoints.TryGetValue(runId, out var byStep)) return [];
        lock (byStep) return [.. byStep.Keys];
    }
}
