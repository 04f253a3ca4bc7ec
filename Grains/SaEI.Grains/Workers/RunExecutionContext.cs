using Microsoft.Extensions.Logging;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Workers;

/// <summary>What one attempt of a run is given: the run, its epoch, checkpoints, progress and a logger.</summary>
public sealed class RunExecutionContext
{
    public required RunDescriptor Run { get; init; }

    /// <summary>The epoch of this attempt; every report carries it (fencing).</summary>
    public required long Epoch { get; init; }

    /// <summary>Restarts of the run before this attempt (0 on the first attempt).</summary>
    public required int Restarts { get; init; }

    public required IRunCheckpoints Checkpoints { get; init; }

    public required IRunProgress Progress { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>The worker's devices (<see cref="WorkerOptions.Devices"/>); empty: the executor's default device.</summary>
    public IReadOnlyList<string> Devices { get; init; } = [];

    public string ExperimentId => Run.ExperimentId;

    public string RunId => Run.RunId;
}

/// <summary>Reports progress of an attempt; each report renews the worker's lease on the run.</summary>
public interface IRunProgress
{
    /// <summary>Reports a finished step. Throws <see cref="RunFencedException"/> when this attempt's epoch is stale.</summary>
    Task ReportAsync(int step, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellation);
}

/// <summary>The checkpoints of one run as the executor sees them (files by name; the store adds the manifest).</summary>
public interface IRunCheckpoints
{
    /// <summary>The newest intact checkpoint (checksums verified), or null when none; tells the run grain where the attempt resumes.</summary>
    Task<RestoredCheckpoint?> LoadLatestAsync(CancellationToken cancellation);

    /// <summary>
    /// Commits the checkpoint of <paramref name="step"/> (files first, manifest last). Throws
    /// <see cref="RunFencedException"/> when the epoch is stale; a step already committed is skipped (false).
    /// </summary>
    Task<bool> CommitAsync(int step, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellation);
}

/// <summary>A verified checkpoint: its step, its files, and notes on newer checkpoints skipped as corrupt.</summary>
public sealed record RestoredCheckpoint(int Step, IReadOnlyDictionary<string, byte[]> Files, IReadOnlyList<string> Skipped);

/// <summary>Thrown to an executor whose epoch is stale: the run was reassigned or cancelled. Stop without committing.</summary>
public sealed class RunFencedException(string runId, long epoch)
    : Exception($"run {runId}: epoch {epoch} is stale (the run was reassigned or cancelled); this worker stops.")
{
    public string RunId { get; } = runId;

    public long Epoch { get; } = epoch;
}

/// <summary>A classified failure of an attempt (numeric, configuration/data, or infrastructure).</summary>
public sealed class RunFailureException(FailureKind kind, string message, int step, Exception? inner = null)
    : Exception(message, inner)
{
    public FailureKind Kind { get; } = kind;

    public int Step { get; } = step;
}
