using SaEI.Grains.Runs;

namespace SaEI.Grains.Workers;

/// <summary>
/// Where checkpoints live, per run: blob storage in a silo (<see cref="BlobCheckpointBackend"/>: manifest last,
/// SHA-256 verified on load, newest intact wins), memory in the scheduling benchmark. Fencing is not its concern:
/// <see cref="RunSession"/> asks the run grain before and after each commit.
/// </summary>
public interface ICheckpointBackend
{
    /// <summary>The newest intact checkpoint of the run, with notes on newer ones skipped as corrupt; null when none.</summary>
    Task<RestoredCheckpoint?> LoadLatestIntactAsync(RunDescriptor run, CancellationToken cancellation);

    /// <summary>Writes every file, then the manifest.</summary>
    Task CommitAsync(RunDescriptor run, int step, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellation);

    /// <summary>Appends per-step metrics (idempotent per step: a step replayed after a resume is skipped).</summary>
    Task AppendMetricsAsync(RunDescriptor run, IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Values)> records, CancellationToken cancellation);
}
