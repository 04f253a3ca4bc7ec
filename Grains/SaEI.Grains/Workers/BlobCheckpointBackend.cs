using System.Text.Json;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Workers;

/// <summary>
/// Checkpoints and metrics in blob storage through <see cref="CheckpointStore"/> (files first, manifest last,
/// SHA-256 verified on load, newest intact wins) and <see cref="MetricsLog"/>. A checkpoint of a step already
/// committed with other bytes is a conflict (never overwritten) and fails the attempt as an infrastructure failure.
/// </summary>
public sealed class BlobCheckpointBackend(CheckpointStore checkpoints, MetricsLog metrics) : ICheckpointBackend
{
    public async Task<RestoredCheckpoint?> LoadLatestIntactAsync(RunDescriptor run, CancellationToken cancellation)
    {
        var result = await checkpoints.TryLoadLatestIntactAsync(run.ExperimentId, run.RunId, cancellation);
        var skipped = result.Skipped.Select(s => $"skipped checkpoint {s} and fell back to an older one").ToList();
        if (result.Checkpoint is not { } loaded) return skipped.Count == 0 ? null : new RestoredCheckpoint(0, new Dictionary<string, byte[]>(), skipped);
        var files = loaded.Files.ToDictionary(f => f.Key, f => f.Value.ToArray());
        return new RestoredCheckpoint(loaded.Step, files, skipped);
    }

    public async Task CommitAsync(RunDescriptor run, int step, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellation)
    {
        var content = files.ToDictionary(f => f.Key, f => BinaryData.FromBytes(f.Value));
        string config = JsonSerializer.Serialize(new SortedDictionary<string, string>(run.Options.ToDictionary()) { ["method"] = run.Method, ["seed"] = run.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var result = await checkpoints.CommitAsync(run.ExperimentId, run.RunId, step, content, config, cancellation: cancellation);
        if (result is CheckpointCommitResult.Conflict conflict)
            throw new InvalidOperationException($"run {run.RunId}: checkpoint {BlobPaths.StepName(step)} is already committed with other content ({conflict.Reason}).");
    }

    public async Task AppendMetricsAsync(RunDescriptor run, IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Values)> records, CancellationToken cancellation)
    {
        foreach (var (step, values) in records)
            await metrics.AppendAsync(run.ExperimentId, run.RunId, new MetricsRecord(step, values), cancellation);
    }
}
