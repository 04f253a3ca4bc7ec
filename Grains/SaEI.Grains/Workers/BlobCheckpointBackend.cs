using System.Globalization;
using System.Text.Json;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Workers;

/// <summary>
/// Checkpoints and metrics in blob storage through <see cref="CheckpointStore"/> (files streamed in blocks first,
/// manifest last, SHA-256 verified on load, newest intact wins) and <see cref="MetricsLog"/>. A checkpoint of a step
/// already committed with other bytes is a conflict (never overwritten) and fails the attempt as an infrastructure
/// failure. Retention keeps the run's last <c>keep_last</c> checkpoints plus the best in-domain one
/// (<see cref="CheckpointStore.ApplyRetentionAsync"/>).
/// </summary>
public sealed class BlobCheckpointBackend(CheckpointStore checkpoints, MetricsLog metrics) : ICheckpointBackend
{
    public async Task<RestoredCheckpoint?> LoadLatestIntactAsync(RunDescriptor run, CancellationToken cancellation)
    {
        var result = await checkpoints.TryLoadLatestIntactAsync(run.ExperimentId, run.RunId, cancellation);
        var skipped = result.Skipped.Select(s => $"skipped checkpoint {s} and fell back to an older one").ToList();
        if (result.Checkpoint is not { } loaded)
            return skipped.Count == 0 ? null : new RestoredCheckpoint(0, null, skipped);
        return new RestoredCheckpoint(loaded.Step, loaded.Folder, skipped);
    }

    public StagingFolder CreateStaging(RunDescriptor run, int step) =>
        checkpoints.Staging.Create(BlobPaths.StepName(step));

    public async Task CommitAsync(
        RunDescriptor run,
        int step,
        StagingFolder files,
        double? inDomainAccuracy,
        CancellationToken cancellation
    )
    {
        var options = new SortedDictionary<string, string>(run.Options.ToDictionary())
        {
            ["method"] = run.Method,
            ["seed"] = run.Seed.ToString(CultureInfo.InvariantCulture),
        };
        string config = JsonSerializer.Serialize(options);
        var extra = new Dictionary<string, string>();
        if (inDomainAccuracy is { } accuracy)
            extra[CheckpointStore.InDomainAccuracyKey] = accuracy.ToString("R", CultureInfo.InvariantCulture);
        var result = await checkpoints.CommitAsync(
            run.ExperimentId,
            run.RunId,
            step,
            files.Path,
            config,
            extra,
            cancellation
        );
        if (result is CheckpointCommitResult.Conflict conflict)
            throw new InvalidOperationException(
                $"run {run.RunId}: checkpoint {BlobPaths.StepName(step)} is already committed with other content "
                    + $"({conflict.Reason})."
            );
    }

    public async Task ApplyRetentionAsync(RunDescriptor run, CancellationToken cancellation)
    {
        if (run.KeepLast is { } keepLast)
            await checkpoints.ApplyRetentionAsync(run.ExperimentId, run.RunId, keepLast, cancellation: cancellation);
    }

    public async Task AppendMetricsAsync(
        RunDescriptor run,
        IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Values)> records,
        CancellationToken cancellation
    )
    {
        foreach (var (step, values) in records)
            await metrics.AppendAsync(run.ExperimentId, run.RunId, new MetricsRecord(step, values), cancellation);
    }
}
