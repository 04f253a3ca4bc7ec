using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Workers;

/// <summary>
/// Where checkpoints live, per run: blob storage in a silo (<see cref="BlobCheckpointBackend"/>: manifest last,
/// SHA-256 verified on load, newest intact wins), memory in the scheduling benchmark. A checkpoint in transit is a
/// local staging folder of files (<see cref="CheckpointStaging"/>). Fencing is not its concern:
/// <see cref="RunSession"/> asks the run grain before and after each commit.
/// </summary>
public interface ICheckpointBackend
{
    /// <summary>The newest intact checkpoint of the run, downloaded into a staging folder, with notes on newer ones
    /// skipped as corrupt; null when none. The caller disposes it (deleting the folder).</summary>
    Task<RestoredCheckpoint?> LoadLatestIntactAsync(RunDescriptor run, CancellationToken cancellation);

    /// <summary>A new, empty local folder to write the files of <paramref name="step"/>'s checkpoint into.</summary>
    StagingFolder CreateStaging(RunDescriptor run, int step);

    /// <summary>Writes every file of <paramref name="files"/>, then the manifest (with the step's in-domain accuracy
    /// when it was evaluated, for retention's best-checkpoint rule).</summary>
    Task CommitAsync(
        RunDescriptor run,
        int step,
        StagingFolder files,
        double? inDomainAccuracy,
        CancellationToken cancellation
    );

    /// <summary>Deletes checkpoints older than the run's <c>checkpoint.keep_last</c>, never the best in-domain one;
    /// nothing when the spec keeps all. Called after a newer checkpoint is committed and confirmed.</summary>
    Task ApplyRetentionAsync(RunDescriptor run, CancellationToken cancellation);

    /// <summary>Appends per-step metrics (idempotent per step: a step replayed after a resume is skipped).</summary>
    Task AppendMetricsAsync(
        RunDescriptor run,
        IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Values)> records,
        CancellationToken cancellation
    );
}
