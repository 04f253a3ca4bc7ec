using Microsoft.Extensions.Logging;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

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

    /// <summary>The worker's devices (<see cref="WorkerOptions.Devices"/>); empty: the executor's default
    /// device.</summary>
    public IReadOnlyList<string> Devices { get; init; } = [];

    public string ExperimentId => Run.ExperimentId;

    public string RunId => Run.RunId;
}

/// <summary>Reports progress of an attempt; each report renews the worker's lease on the run.</summary>
public interface IRunProgress
{
    /// <summary>Reports a finished step. Throws <see cref="RunFencedException"/> when this attempt's epoch is
    /// stale.</summary>
    Task ReportAsync(int step, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellation);
}

/// <summary>The checkpoints of one run as the executor sees them: local folders of files (the store adds the
/// manifest).</summary>
public interface IRunCheckpoints
{
    /// <summary>The newest intact checkpoint (checksums verified) in a local folder, or null when none; tells the run
    /// grain where the attempt resumes. Dispose it once read (its folder is deleted).</summary>
    Task<RestoredCheckpoint?> LoadLatestAsync(CancellationToken cancellation);

    /// <summary>A new, empty local folder for the files of <paramref name="step"/>'s checkpoint; dispose it after
    /// the commit.</summary>
    StagingFolder Stage(int step);

    /// <summary>
    /// Commits the files of <paramref name="files"/> as the checkpoint of <paramref name="step"/> (files first,
    /// manifest last). Throws <see cref="RunFencedException"/> when the epoch is stale; a step already committed is
    /// skipped (false).
    /// </summary>
    Task<bool> CommitAsync(int step, StagingFolder files, CancellationToken cancellation);
}

/// <summary>
/// A verified checkpoint: its step, the local folder holding its files (null when every checkpoint was skipped:
/// <see cref="Step"/> is then 0), and notes on newer checkpoints skipped as corrupt. Disposing deletes the folder.
/// </summary>
public sealed class RestoredCheckpoint(int step, StagingFolder? folder, IReadOnlyList<string> skipped) : IDisposable
{
    public int Step { get; } = step;

    public StagingFolder? Folder { get; } = folder;

    public IReadOnlyList<string> Skipped { get; } = skipped;

    /// <summary>The folder's path; throws when there is no checkpoint.</summary>
    public string Directory =>
        Folder?.Path ?? throw new InvalidOperationException("no intact checkpoint was restored (step 0).");

    /// <summary>The local path of one file of the checkpoint.</summary>
    public string PathOf(string name) => Path.Combine(Directory, Ids.Require(name, "checkpoint file"));

    public void Dispose() => Folder?.Dispose();
}

/// <summary>Thrown to an executor whose epoch is stale: the run was reassigned or cancelled. Stop without
/// committing.</summary>
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
