using Microsoft.Extensions.Logging;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Runs;

/// <summary>
/// The lease of <see cref="RunGrain"/>: when a Running run's worker counts as lost.
///
/// Decisions:
/// 1. The deadline is stored with every write of the state (assignment, resume, commit); progress reports renew it
///    in memory only (no storage round-trip per step). A re-activation starts from the stored deadline: before, each
///    re-activation granted a fresh lease, so under repeated silo kills runs sat on dead workers for minutes.
/// 2. A worker whose silo cluster membership declares Dead is lost at the next check, without waiting for the lease:
///    the worker id is its silo's address with incarnation, so a restarted silo on the same port does not count.
/// 3. A re-activation that finds the stored deadline past while the worker's silo is Active in membership grants one
///    lease from now and stores it (so it is granted once, not at every re-activation): the reports that renewed the
///    lease were in memory, lost with this grain's previous silo, and a healthy run must not restart for that. A silo
///    that really died is declared Dead within the failure-detection time, so a run stays on a dead worker at most
///    that time plus one check (or reminder) period.
/// 4. Taking a run off its worker is decided again on the state re-read after an ETag conflict, and dropped when that
///    state is of another attempt (epoch) or carries a later stored deadline: another activation of this run (a
///    duplicate during directory churn) wrote it, so this one's view — no reports, hence a lapsed lease — is stale.
/// </summary>
public sealed partial class RunGrain
{
    private DateTimeOffset leaseDeadline;

    /// <summary>On activation: the stored deadline, or one lease from now for a live worker whose stored one
    /// passed.</summary>
    private async Task InitializeLeaseAsync()
    {
        var now = time.GetUtcNow();
        // none stored: state written before deadlines were
        leaseDeadline = S.LeaseDeadline ?? now + Options.LeaseDuration;
        if (S.State != RunState.Running || leaseDeadline >= now || WorkerSiloStatus() != SiloStatus.Active)
            return;
        LogLeaseGrace(RunId, S.Worker, leaseDeadline);
        leaseDeadline = now + Options.LeaseDuration;
        S.LeaseDeadline = leaseDeadline;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // Best effort: the grace holds in memory; unstored, a later re-activation may grant it again.
            logger.LogWarning(e, "Run {RunId}: could not store the lease granted on re-activation", RunId);
            if (e is Orleans.Storage.InconsistentStateException)
                DeactivateOnIdle();
        }
    }

    private DateTimeOffset RenewedDeadline() => time.GetUtcNow() + Options.LeaseDuration;

    private SiloStatus WorkerSiloStatus() =>
        WorkerAddress.SiloOf(S.Worker) is { } silo ? membership.CurrentSnapshot.GetSiloStatus(silo) : SiloStatus.None;

    private async Task CheckAsync()
    {
        switch (S.State)
        {
            case RunState.Running when WorkerSiloStatus() == SiloStatus.Dead:
                await LoseWorkerAsync($"worker {S.Worker} is on a silo that cluster membership declared dead");
                break;
            case RunState.Running when time.GetUtcNow() > leaseDeadline:
                // The deadline may have been set on another silo (stored), so name it rather than this silo's lease.
                await LoseWorkerAsync(
                    $"worker {S.Worker} sent no report before its lease ran out at {leaseDeadline:HH:mm:ss.fff} UTC "
                        + $"(lease {Options.LeaseDuration.TotalSeconds:0.#} s)"
                );
                break;
            case RunState.Pending:
                // Also on the timer: the scheduler's queue is soft state, lost with its silo; re-enqueueing
                // (deduplicated) every check refills it within one check period instead of one reminder period.
                await EnqueueAsync();
                break;
            case RunState.Evaluating:
                await ContinueEvaluationAsync();
                break;
            case RunState.Completed or RunState.Failed or RunState.Cancelled:
                await StopTimersAsync();
                break;
        }
    }

    private async Task LoseWorkerAsync(string why)
    {
        string? worker = S.Worker;
        long epoch = S.Epoch;
        var seen = S.LeaseDeadline;
        bool retry = false;
        bool lost = await UpdateAsync(s =>
        {
            if (s.State != RunState.Running || s.Epoch != epoch)
                return false;
            if (
                s.LeaseDeadline is { } stored
                && stored > (seen ?? DateTimeOffset.MinValue)
                && stored > time.GetUtcNow()
            )
            {
                leaseDeadline = stored; // re-read: another activation heard from the worker since this one read
                LogLeaseRenewedElsewhere(RunId, worker, leaseDeadline);
                return false;
            }
            retry = RecordFailure(s, FailureKind.WorkerLost, why, s.Step);
            return true;
        });
        if (!lost)
            return;
        LogWorkerLost(RunId, worker, why, S.Epoch);
        await AfterFailureAsync(retry, FailureKind.WorkerLost, why);
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Run {RunId}: lost worker {Worker} ({Why}); fenced with epoch {Epoch}"
    )]
    private partial void LogWorkerLost(string runId, string? worker, string why, long epoch);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Run {RunId}: not taken off worker {Worker}: state re-read after a write conflict holds a lease to "
            + "{Deadline} stored by another activation"
    )]
    private partial void LogLeaseRenewedElsewhere(string runId, string? worker, DateTimeOffset deadline);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Run {RunId}: stored lease of worker {Worker} ran out at {Deadline} while this grain was inactive; "
            + "the worker's silo is alive, so it gets one lease from now"
    )]
    private partial void LogLeaseGrace(string runId, string? worker, DateTimeOffset deadline);
}
