using Microsoft.Extensions.Logging;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Runs;

/// <summary>
/// The lease of <see cref="RunGrain"/>: when a Running run's worker counts as lost.
///
/// Decisions:
/// 1. The deadline is stored with every write of the state (assignment, resume, commit) and by a progress report once
///    the stored one is half a lease behind (at most one write per half lease per running run). A re-activation
///    starts from the stored deadline: before, each re-activation granted a fresh lease, so under repeated silo kills
///    runs sat on dead workers for minutes.
/// 2. A worker whose silo cluster membership declares Dead is lost at the next check, without waiting for the lease:
///    the worker id is its silo's address with incarnation, so a restarted silo on the same port does not count.
/// 3. A re-activation that finds the stored deadline past while the worker's silo is still Active in membership grants
///    one lease from now: the reports that renewed it may have been lost with this grain's previous silo, and a
///    healthy run must not restart for that. A silo that really died is declared Dead within the failure-detection
///    time, so a run stays on a dead worker at most that time plus one check period (or the lease, if shorter).
/// </summary>
public sealed partial class RunGrain
{
    private DateTimeOffset leaseDeadline;

    private void InitializeLease()
    {
        var now = time.GetUtcNow();
        leaseDeadline = S.LeaseDeadline ?? now + Options.LeaseDuration; // none stored: state written before deadlines were
        if (S.State == RunState.Running && leaseDeadline < now && WorkerSiloStatus() == SiloStatus.Active)
        {
            LogLeaseGrace(RunId, S.Worker, leaseDeadline);
            leaseDeadline = now + Options.LeaseDuration;
        }
    }

    private DateTimeOffset RenewedDeadline() => time.GetUtcNow() + Options.LeaseDuration;

    /// <summary>Renews the lease on a progress report; writes it when the stored deadline is half a lease behind.</summary>
    private async Task RenewLeaseAsync()
    {
        leaseDeadline = RenewedDeadline();
        if (S.LeaseDeadline is { } stored && leaseDeadline - stored < Options.LeaseDuration / 2) return;
        S.LeaseDeadline = leaseDeadline;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // Best effort: the lease in memory holds; the next write carries the deadline. On an ETag conflict another
            // activation wrote, so the next call starts from durable state.
            logger.LogWarning(e, "Run {RunId}: could not store the renewed lease; it is stored with the next write", RunId);
            if (e is Orleans.Storage.InconsistentStateException) DeactivateOnIdle();
        }
    }

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
                await LoseWorkerAsync($"worker {S.Worker} stopped reporting within {Options.LeaseDuration.TotalSeconds:0.#} s");
                break;
            case RunState.Pending:
                // Also on the timer: the scheduler's queue is soft state, lost with its silo; re-enqueueing (deduplicated)
                // every check refills it within one check period instead of one reminder period.
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
        bool retry = false;
        bool lost = await UpdateAsync(s =>
        {
            if (s.State != RunState.Running) return false;
            retry = RecordFailure(s, FailureKind.WorkerLost, why, s.Step);
            return true;
        });
        if (!lost) return;
        LogWorkerLost(RunId, worker, why, S.Epoch);
        await AfterFailureAsync(retry, FailureKind.WorkerLost, why);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: lost worker {Worker} ({Why}); fenced with epoch {Epoch}")]
    private partial void LogWorkerLost(string runId, string? worker, string why, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: stored lease of worker {Worker} ran out at {Deadline} while this grain was inactive; the worker's silo is alive, so it gets one lease from now")]
    private partial void LogLeaseGrace(string runId, string? worker, DateTimeOffset deadline);
}
