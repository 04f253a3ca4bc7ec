using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Runs;

/// <summary>
/// One run's state machine, assignment and fencing (see <see cref="IRunGrain"/>).
///
/// Decisions:
/// 1. Every assignment and every reassignment raises the epoch; a report with another epoch, or for a run that is
///    not Running, is answered Fenced. Cancelling raises it too, so a cancelled run's worker stops.
/// 2. Progress reports renew the lease in memory and are not persisted (the step of record is the last committed
///    checkpoint); state is written on transitions and commits only, with the lease deadline, so a 1,000-run sweep
///    is not storage-bound and a re-activation does not hand a dead worker a fresh lease (see RunGrain.Lease.cs).
/// 3. A grain timer checks the lease and the worker's silo every CheckPeriod (and re-enqueues a Pending run: the
///    scheduler's queue is soft state); a durable reminder re-activates the grain after a silo crash.
/// 4. Writes go through <see cref="GrainStateUpdate"/>: re-read and re-decide on an ETag conflict; any other write
///    failure deactivates the grain so the next call starts from durable state, and the caller's retry repeats the
///    decision.
/// </summary>
public sealed partial class RunGrain(
    [PersistentState("run", StorageNames.GrainState)] IPersistentState<RunGrainState> state,
    IOptions<RunLifecycleOptions> options,
    IClusterMembershipService membership,
    TimeProvider time,
    RunMetrics metrics,
    ILogger<RunGrain> logger
) : Grain, IRunGrain, IRemindable
{
    private const string ReminderName = "run-lease";
    private IGrainTimer? leaseTimer;
    private bool evaluating;

    private RunGrainState S => state.State;
    private RunLifecycleOptions Options => options.Value;
    private string RunId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Run is not null)
            metrics.Track(RunId, S.State);
        if (S.Run is null || S.State.IsTerminal())
            return;
        await InitializeLeaseAsync();
        EnsureLeaseTimer();
        if (S.State == RunState.Pending)
            EnqueueAsync().Ignore();
        if (S.State == RunState.Evaluating)
            this.AsReference<IRunGrain>().ContinueEvaluationAsync().Ignore();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Forget(RunId);
        return Task.CompletedTask;
    }

    public async Task InitializeAsync(RunDescriptor run)
    {
        bool created = await UpdateAsync(s =>
        {
            if (s.Run is not null)
                return false;
            s.Run = run;
            s.State = RunState.Pending;
            return true;
        });
        if (S.State.IsTerminal())
            return;
        if (created)
            await this.RegisterOrUpdateReminder(ReminderName, Options.ReminderPeriod, Options.ReminderPeriod);
        if (S.State == RunState.Pending)
            await EnqueueAsync();
    }

    public async Task<RunAssignment?> AssignAsync(string workerId)
    {
        bool assigned = await UpdateAsync(s =>
        {
            if (s.Run is null || s.State != RunState.Pending)
                return false;
            s.Epoch++;
            s.State = RunState.Running;
            s.Worker = workerId;
            s.Step = s.CheckpointStep;
            s.LeaseDeadline = RenewedDeadline();
            return true;
        });
        if (!assigned)
            return null;
        leaseDeadline = S.LeaseDeadline!.Value;
        EnsureLeaseTimer();
        LogAssigned(RunId, workerId, S.Epoch);
        return new RunAssignment(S.Run!, S.Epoch, S.Restarts);
    }

    public Task<ReportVerdict> ReportProgressAsync(long epoch, int step, IReadOnlyDictionary<string, double> metrics)
    {
        if (IsStale(S, epoch))
            return Task.FromResult(ReportVerdict.Fenced);
        leaseDeadline = RenewedDeadline();
        S.Step = step;
        foreach (var (name, value) in metrics)
            S.Metrics[name] = value;
        if (metrics.TryGetValue(MetricNames.Accuracy, out double accuracy))
            S.EvalAccuracy[step] = accuracy;
        return Task.FromResult(ReportVerdict.Accepted);
    }

    public async Task<ReportVerdict> ReportResumeAsync(long epoch, int fromStep, IReadOnlyList<string> notes)
    {
        var verdict = ReportVerdict.Accepted;
        await UpdateAsync(s =>
        {
            if (IsStale(s, epoch))
            {
                verdict = ReportVerdict.Fenced;
                return false;
            }
            s.Step = fromStep;
            foreach (string note in notes)
                AddNote(s, $"epoch {epoch}: {note}");
            AddNote(
                s,
                fromStep == 0
                    ? $"epoch {epoch}: started from scratch"
                    : $"epoch {epoch}: resumed from the checkpoint of step {fromStep}"
            );
            s.LeaseDeadline = RenewedDeadline();
            return true;
        });
        if (verdict == ReportVerdict.Accepted)
            leaseDeadline = S.LeaseDeadline ?? leaseDeadline;
        return verdict;
    }

    public Task<ReportVerdict> AuthorizeCommitAsync(long epoch, int step)
    {
        if (IsStale(S, epoch))
            return Task.FromResult(ReportVerdict.Fenced);
        leaseDeadline = RenewedDeadline();
        return Task.FromResult(S.CommittedSteps.Contains(step) ? ReportVerdict.Duplicate : ReportVerdict.Accepted);
    }

    public async Task<ReportVerdict> ConfirmCommitAsync(long epoch, int step)
    {
        var verdict = ReportVerdict.Accepted;
        await UpdateAsync(s =>
        {
            if (IsStale(s, epoch))
            {
                verdict = ReportVerdict.Fenced;
                return false;
            }
            if (s.CommittedSteps.Contains(step))
            {
                verdict = ReportVerdict.Duplicate;
                return false;
            }
            s.CommittedSteps.Add(step);
            s.CheckpointStep = Math.Max(s.CheckpointStep, step);
            UpdateBest(s, step);
            s.LeaseDeadline = RenewedDeadline();
            return true;
        });
        if (verdict == ReportVerdict.Accepted)
            leaseDeadline = S.LeaseDeadline ?? leaseDeadline;
        return verdict;
    }

    public async Task<ReportVerdict> CompleteAsync(long epoch, RunOutcome outcome)
    {
        var verdict = ReportVerdict.Accepted;
        await UpdateAsync(s =>
        {
            if (IsStale(s, epoch))
            {
                verdict = ReportVerdict.Fenced;
                return false;
            }
            s.State = RunState.Evaluating;
            s.Step = outcome.FinalStep;
            s.FinalWeightsSha256 = outcome.FinalWeightsSha256;
            s.Worker = null;
            s.LeaseDeadline = null;
            if (s.BestAccuracy is null)
                s.BestStep = s.CheckpointStep;
            return true;
        });
        if (verdict == ReportVerdict.Accepted)
            this.AsReference<IRunGrain>().ContinueEvaluationAsync().Ignore();
        return verdict;
    }

    public async Task<ReportVerdict> FailAsync(long epoch, FailureKind kind, string message, int step)
    {
        var verdict = ReportVerdict.Accepted;
        bool retry = false;
        await UpdateAsync(s =>
        {
            if (IsStale(s, epoch))
            {
                verdict = ReportVerdict.Fenced;
                return false;
            }
            retry = RecordFailure(s, kind, message, step);
            return true;
        });
        if (verdict == ReportVerdict.Accepted)
            await AfterFailureAsync(retry, kind, message);
        return verdict;
    }

    public async Task CancelAsync()
    {
        bool cancelled = await UpdateAsync(s =>
        {
            if (s.Run is null || s.State.IsTerminal())
                return false;
            s.State = RunState.Cancelled;
            s.Epoch++;
            s.Worker = null;
            s.LeaseDeadline = null;
            AddNote(s, "cancelled");
            return true;
        });
        if (cancelled)
            await StopTimersAsync();
    }

    public async Task<bool> RequeueAsync()
    {
        bool requeued = await UpdateAsync(s =>
        {
            if (s.Run is null || s.State != RunState.Failed)
                return false;
            s.State = RunState.Pending;
            s.Epoch++;
            s.Restarts++;
            s.FailureCounts.Clear();
            AddNote(s, $"re-queued by hand; restart {s.Restarts} from the checkpoint of step {s.CheckpointStep}");
            return true;
        });
        if (!requeued)
            return false;
        await this.RegisterOrUpdateReminder(ReminderName, Options.ReminderPeriod, Options.ReminderPeriod);
        EnsureLeaseTimer();
        await EnqueueAsync();
        return true;
    }

    public Task<RunStatus> GetStatusAsync() =>
        Task.FromResult(
            RunStatusView.Of(RunId, S) with
            {
                LeaseDeadline = S.State == RunState.Running ? leaseDeadline : null,
            }
        );

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckAsync();

    /// <summary>Records a failure and fences the attempt; returns whether the run goes back to Pending.</summary>
    private bool RecordFailure(RunGrainState s, FailureKind kind, string message, int step)
    {
        s.Failures.Add(new FailureRecord(kind, message, step, s.Epoch, s.Worker, time.GetUtcNow()));
        if (s.Failures.Count > 100)
            s.Failures.RemoveAt(0);
        int count = s.FailureCounts.GetValueOrDefault(kind) + 1;
        s.FailureCounts[kind] = count;
        bool retry = RetryPolicy.ShouldRetry(kind, count, s.Run!.MaxFailures);
        s.Epoch++;
        s.Worker = null;
        s.LeaseDeadline = null;
        s.Step = s.CheckpointStep;
        if (retry)
        {
            s.State = RunState.Pending;
            s.Restarts++;
            AddNote(
                s,
                $"{kind} failure ({message}); restart {s.Restarts} from the checkpoint of step {s.CheckpointStep}"
            );
        }
        else
        {
            s.State = RunState.Failed;
            AddNote(
                s,
                $"{kind} failure ({message}); not retried: "
                    + (
                        kind == FailureKind.Configuration
                            ? "fix the configuration or data"
                            : $"{count} {kind} failures exceed max_failures = {s.Run.MaxFailures}"
                    )
            );
        }
        return retry;
    }

    private async Task AfterFailureAsync(bool retry, FailureKind kind, string message)
    {
        LogFailure(RunId, kind, message, retry);
        if (retry)
            metrics.Restarted(kind);
        if (retry)
            await EnqueueAsync();
        else
            await StopTimersAsync();
    }

    private static bool IsStale(RunGrainState s, long epoch) => s.State != RunState.Running || s.Epoch != epoch;

    private static void AddNote(RunGrainState s, string note)
    {
        s.Notes.Add(note);
        if (s.Notes.Count > 50)
            s.Notes.RemoveAt(0);
    }

    private Task EnqueueAsync() =>
        GrainFactory.GetGrain<ISchedulerGrain>(SchedulerGrain.DefaultKey).EnqueueAsync([RunId]);

    private void EnsureLeaseTimer() =>
        leaseTimer ??= this.RegisterGrainTimer(
            CheckAsync,
            new GrainTimerCreationOptions(Options.CheckPeriod, Options.CheckPeriod) { Interleave = false }
        );

    private async Task StopTimersAsync()
    {
        leaseTimer?.Dispose();
        leaseTimer = null;
        var reminder = await this.GetReminder(ReminderName);
        if (reminder is not null)
            await this.UnregisterReminder(reminder);
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Run {RunId} assigned to worker {Worker} with epoch {Epoch}"
    )]
    private partial void LogAssigned(string runId, string worker, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: {Kind} failure ({Message}); retried: {Retry}")]
    private partial void LogFailure(string runId, FailureKind kind, string message, bool retry);
}
