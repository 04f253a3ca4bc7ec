using Orleans.Concurrency;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Workers;

/// <summary>
/// The worker of one GPU-role silo (key: that silo's address, activated there by <see cref="GpuWorkerStarter"/>).
///
/// Decisions:
/// 1. Pull, not push: the worker alone knows when a slot is free, and a dead worker simply stops pulling, so no
///    central component has to track worker liveness; the run grain's lease covers the runs it held.
/// 2. The executor runs on the thread pool (Task.Run): a training step never blocks the grain scheduler; the grain
///    only starts attempts and reports their end.
/// 3. A keep-alive timer (also a polling fallback) keeps the grain from idle collection while the silo lives.
/// 4. An activation whose key is not the local silo (a call after that silo died) refuses to start: runs execute
///    only where the starter placed them, i.e. on gpu/all silos.
/// 5. Stopping (graceful shutdown via <see cref="StopAsync"/>, or a deactivation) cancels every attempt, waits for it
///    up to <see cref="WorkerOptions.ShutdownGrace"/>, and each cancelled attempt hands its run back with a WorkerLost
///    report under its own epoch (a restart; the run is Pending at once). An attempt ends before it reports, and the
///    report raises the epoch, so nothing it started can commit afterwards. The silo's watchdog
///    (<see cref="GpuWorkerStarter"/>) re-activates a deactivated worker.
/// </summary>
[Reentrant, PreferLocalPlacement, Immovable]
public sealed class GpuWorkerGrain(
    IRunExecutor executor,
    ICheckpointBackend checkpoints,
    ILocalSiloDetails silo,
    IOptions<WorkerOptions> options,
    ILogger<GpuWorkerGrain> logger) : Grain, IGpuWorkerGrain
{
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, CancellationTokenSource> running = new(StringComparer.Ordinal);
    private readonly List<Task> attempts = [];
    private readonly CancellationTokenSource stopping = new();
    private string stopReason = "stopped";
    private int slots;
    private bool pulling;
    private int completedAttempts;
    private IGrainTimer? timer;

    private string WorkerId => this.GetPrimaryKeyString();

    public async Task StartAsync(int slots)
    {
        if (WorkerId != silo.SiloAddress.ToParsableString())
        {
            logger.LogWarning("Worker {WorkerId} activated on silo {Silo}, not its own; it stays idle", WorkerId, silo.SiloAddress);
            DeactivateOnIdle();
            return;
        }
        if (stopping.IsCancellationRequested) return;
        this.slots = Math.Max(1, slots);
        if (timer is null)
        {
            timer = this.RegisterGrainTimer(PullAsync, new GrainTimerCreationOptions(options.Value.PollPeriod, options.Value.PollPeriod) { KeepAlive = true, Interleave = true });
            logger.LogInformation("Worker {WorkerId} started with {Slots} slots on devices [{Devices}]", WorkerId, this.slots, string.Join(", ", options.Value.Devices));
        }
        await PullAsync();
    }

    public Task StopAsync() => StopAttemptsAsync("its silo is shutting down");

    public Task WorkAvailableAsync() => PullAsync();

    public Task<WorkerInfo> GetInfoAsync() => Task.FromResult(new WorkerInfo(WorkerId, slots, [.. running.Keys], completedAttempts));

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!stopping.IsCancellationRequested && slots > 0)
            logger.LogWarning("Worker {WorkerId} is deactivated ({Reason}) with {Running} runs; the silo's watchdog starts it again", WorkerId, reason, running.Count);
        await StopAttemptsAsync($"deactivated: {reason.Description}");
    }

    /// <summary>Stops pulling, cancels every attempt and waits (bounded) until each has handed its run back.</summary>
    private async Task StopAttemptsAsync(string why)
    {
        if (!stopping.IsCancellationRequested)
        {
            stopReason = why;
            await stopping.CancelAsync();
        }
        timer?.Dispose();
        timer = null;
        var ending = Task.WhenAll(attempts.ToList());
        if (await Task.WhenAny(ending, Task.Delay(options.Value.ShutdownGrace)) != ending)
            logger.LogWarning("Worker {WorkerId}: {Count} attempts did not stop within {Grace}; their leases expire instead", WorkerId, attempts.Count(a => !a.IsCompleted), options.Value.ShutdownGrace);
    }

    private async Task PullAsync()
    {
        if (slots == 0 || pulling) return;
        pulling = true;
        try
        {
            var scheduler = GrainFactory.GetGrain<ISchedulerGrain>(SchedulerGrain.DefaultKey);
            while (running.Count < slots && !stopping.IsCancellationRequested)
            {
                var runIds = await scheduler.TakeAsync(WorkerId, slots - running.Count);
                if (runIds.Count == 0) break;
                if (stopping.IsCancellationRequested)
                {
                    await scheduler.EnqueueAsync(runIds); // stopped while taking: give them back untouched
                    break;
                }
                var fresh = runIds.Where(id => !running.ContainsKey(id)).ToList();
                var sources = fresh.Select(id => running[id] = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token)).ToList();
                var busy = runIds.Except(fresh).ToList();
                if (busy.Count > 0) await scheduler.EnqueueAsync(busy); // still finishing here: give them back
                var assignments = await Task.WhenAll(fresh.Select(AssignAsync));
                for (int i = 0; i < fresh.Count; i++)
                {
                    if (assignments[i] is { } assignment) Track(RunAttemptAsync(assignment, sources[i]));
                    else Release(fresh[i], sources[i]);
                }
                if (fresh.Count == 0) break;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Worker {WorkerId} could not pull work; it retries on its next poll", WorkerId);
        }
        finally
        {
            pulling = false;
        }
    }

    private async Task<RunAssignment?> AssignAsync(string runId)
    {
        try
        {
            return await GrainFactory.GetGrain<IRunGrain>(runId).AssignAsync(WorkerId);
        }
        catch (Exception e)
        {
            // The run stays Pending (or its lease expires); its reminder queues it again.
            logger.LogWarning(e, "Worker {WorkerId} could not take run {RunId}", WorkerId, runId);
            return null;
        }
    }

    private async Task RunAttemptAsync(RunAssignment assignment, CancellationTokenSource cancellation)
    {
        string runId = assignment.Run.RunId;
        long epoch = assignment.Epoch;
        var run = GrainFactory.GetGrain<IRunGrain>(runId);
        var session = new RunSession(run, assignment, checkpoints);
        var context = new RunExecutionContext { Run = assignment.Run, Epoch = epoch, Restarts = assignment.Restarts, Checkpoints = session, Progress = session, Logger = logger, Devices = options.Value.Devices };
        Func<Task>? report = null;
        try
        {
            var result = await Task.Run(() => executor.ExecuteAsync(context, cancellation.Token), cancellation.Token);
            var outcome = new RunOutcome(result.FinalStep, Convert.ToHexStringLower(SHA256.HashData(result.FinalWeights)));
            report = () => ReportAsync(() => run.CompleteAsync(epoch, outcome), stopping.Token);
        }
        catch (RunFencedException)
        {
            logger.LogWarning("Worker {WorkerId} stops run {RunId}: epoch {Epoch} was fenced", WorkerId, runId, epoch);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            logger.LogInformation("Worker {WorkerId} stopped run {RunId} (epoch {Epoch}) at step {Step} and hands it back", WorkerId, runId, epoch, session.LastStep);
            int step = session.LastStep;
            report = () => run.FailAsync(epoch, FailureKind.WorkerLost, $"worker {WorkerId} stopped ({stopReason}) and handed the run back", step).WaitAsync(HandBackTimeout);
        }
        catch (RunFailureException e)
        {
            logger.LogWarning(e, "Run {RunId} failed ({Kind}) at step {Step}, epoch {Epoch}", runId, e.Kind, e.Step, epoch);
            report = () => ReportFailureAsync(run, epoch, e.Kind, e.Message, e.Step);
        }
        catch (Exception e)
        {
            var (kind, message) = FailureClassifier.Classify(e); // bad data is configuration (never retried), not infrastructure
            logger.LogWarning(e, "Run {RunId} failed ({Kind}) at step {Step}, epoch {Epoch}", runId, kind, session.LastStep, epoch);
            report = () => ReportFailureAsync(run, epoch, kind, message, session.LastStep);
        }
        // Free the slot and refill it while the end is reported (the report is a storage write; the slot need not
        // idle through it). A failed run is re-queued by its report and may come straight back here.
        completedAttempts++;
        Release(runId, cancellation);
        var refill = PullAsync();
        try
        {
            if (report is not null) await report();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The lease expires and the run grain reassigns the run: nothing is lost, only time.
            logger.LogWarning(e, "Worker {WorkerId} could not report the end of run {RunId} epoch {Epoch}", WorkerId, runId, epoch);
        }
        await refill;
        await PullAsync(); // a report that re-queued this run
    }

    private void Track(Task attempt)
    {
        attempts.RemoveAll(a => a.IsCompleted);
        attempts.Add(attempt);
    }

    private Task ReportFailureAsync(IRunGrain run, long epoch, FailureKind kind, string message, int step) =>
        ReportAsync(() => run.FailAsync(epoch, kind, message, step), stopping.Token);

    private static async Task ReportAsync(Func<Task<ReportVerdict>> call, CancellationToken cancellation) =>
        await GrainCallResilience.Pipeline.ExecuteAsync(async _ => await call(), cancellation);

    /// <summary>Frees the slot of one attempt (only that attempt's: the same run may already hold a new slot).</summary>
    private void Release(string runId, CancellationTokenSource? attempt = null)
    {
        if (!running.TryGetValue(runId, out var source) || (attempt is not null && !ReferenceEquals(source, attempt))) return;
        running.Remove(runId);
        source.Dispose();
    }
}
