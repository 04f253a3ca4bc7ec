using Orleans.Concurrency;

namespace SaEI.Grains.Runs;

/// <summary>
/// One run (key: run id). Owns the state machine, the current assignment (worker, epoch), the last committed
/// checkpoint, restarts and failure history. Every report carries the worker's epoch; a stale epoch is answered
/// <see cref="ReportVerdict.Fenced"/> and the worker must stop. A lease renewed by reports is checked by a timer (and,
/// after a silo crash, by a durable reminder); an expired lease raises the epoch and puts the run back in the queue.
/// </summary>
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>Stores the run as Pending (idempotent: a second call with the same run changes nothing).</summary>
    Task InitializeAsync(RunDescriptor run);

    /// <summary>Assigns the run to a worker with a new, higher epoch; null when it is not Pending.</summary>
    Task<RunAssignment?> AssignAsync(string workerId);

    /// <summary>Progress of one step; renews the lease.</summary>
    Task<ReportVerdict> ReportProgressAsync(long epoch, int step, IReadOnlyDictionary<string, double> metrics);

    /// <summary>The attempt resumed from a checkpoint (0: from scratch), with notes on skipped corrupt ones.</summary>
    Task<ReportVerdict> ReportResumeAsync(long epoch, int fromStep, IReadOnlyList<string> notes);

    /// <summary>Asked before uploading a checkpoint: Accepted, Fenced, or Duplicate when the step is already
    /// committed.</summary>
    Task<ReportVerdict> AuthorizeCommitAsync(long epoch, int step);

    /// <summary>A checkpoint of this step was committed (manifest written).</summary>
    Task<ReportVerdict> ConfirmCommitAsync(long epoch, int step);

    /// <summary>Every step ran; the run moves to Evaluating, then Completed once its benchmarks are scored.</summary>
    Task<ReportVerdict> CompleteAsync(long epoch, RunOutcome outcome);

    /// <summary>The attempt failed; retried per class and budget, or the run becomes Failed.</summary>
    Task<ReportVerdict> FailAsync(long epoch, FailureKind kind, string message, int step);

    /// <summary>Cancels the run (idempotent); its worker is fenced on its next report.</summary>
    Task CancelAsync();

    /// <summary>
    /// Puts a Failed run back in the queue (by hand, e.g. after the cause was fixed): it resumes from its last
    /// committed checkpoint with a fresh failure budget, counted as a restart. True when it was Failed; a run in any
    /// other state is left as it is and false is answered, so a repeated call changes nothing.
    /// </summary>
    Task<bool> RequeueAsync();

    Task<RunStatus> GetStatusAsync();

    /// <summary>Continues the out-of-domain evaluation of a run in Evaluating (a self-call; idempotent).</summary>
    [OneWay]
    Task ContinueEvaluationAsync();
}
