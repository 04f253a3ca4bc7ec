using System.Collections.Concurrent;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Workers;

/// <summary>
/// Checkpoints in process memory: for the scheduling benchmark and executor unit tests (no storage cost). Files are
/// small there (the simulated executor's); they are read from the staging folder on commit and written back to a
/// new one on load. Retention keeps everything.
/// </summary>
public sealed class InMemoryCheckpointBackend(CheckpointStaging? staging = null) : ICheckpointBackend
{
    private readonly CheckpointStaging staging = staging ?? new CheckpointStaging();
    private readonly ConcurrentDictionary<
        string,
        SortedDictionary<int, IReadOnlyDictionary<string, byte[]>>
    > checkpoints = new();

    public Task<RestoredCheckpoint?> LoadLatestIntactAsync(RunDescriptor run, CancellationToken cancellation)
    {
        if (!checkpoints.TryGetValue(run.RunId, out var byStep))
            return Task.FromResult<RestoredCheckpoint?>(null);
        KeyValuePair<int, IReadOnlyDictionary<string, byte[]>> latest;
        lock (byStep)
        {
            if (byStep.Count == 0)
                return Task.FromResult<RestoredCheckpoint?>(null);
            latest = byStep.Last();
        }
        var folder = CreateStaging(run, latest.Key);
        foreach (var (name, bytes) in latest.Value)
            File.WriteAllBytes(folder.PathOf(name), bytes);
        return Task.FromResult<RestoredCheckpoint?>(new RestoredCheckpoint(latest.Key, folder, []));
    }

    public StagingFolder CreateStaging(RunDescriptor run, int step) => staging.Create(BlobPaths.StepName(step));

    public Task CommitAsync(
        RunDescriptor run,
        int step,
        StagingFolder files,
        double? inDomainAccuracy,
        CancellationToken cancellation
    )
    {
        var byStep = checkpoints.GetOrAdd(
            run.RunId,
            _ => new SortedDictionary<int, IReadOnlyDictionary<string, byte[]>>()
        );
        var copy = files.FileNames().ToDictionary(name => name, name => File.ReadAllBytes(files.PathOf(name)));
        lock (byStep)
            byStep[step] = copy;
        return Task.CompletedTask;
    }

    public Task ApplyRetentionAsync(RunDescriptor run, CancellationToken cancellation) => Task.CompletedTask;

    public Task AppendMetricsAsync(
        RunDescriptor run,
        IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Values)> records,
        CancellationToken cancellation
    ) => Task.CompletedTask;

    /// <summary>Steps committed for a run (tests).</summary>
    public IReadOnlyList<int> StepsOf(string runId)
    {
        if (!checkpoints.TryGetValue(runId, out var byStep))
            return [];
        lock (byStep)
            return [.. byStep.Keys];
    }
}
