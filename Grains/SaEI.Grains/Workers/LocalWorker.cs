using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Workers;

/// <summary>
/// The training loops of one GPU-role silo: pulls runs from the scheduler into free slots and executes them. A
/// silo-level singleton that <see cref="GpuWorkerGrain"/> fronts (its key is this silo's address, so runs record
/// where they sit).
///
/// Decisions:
/// 1. The loops live as long as the silo, not as long as the worker grain's activation: Orleans deactivates an
///    activation whose grain-directory entry was owned by a silo that died (DeactivationReason DirectoryFailure),
///    and a kill of one silo must not hand back and restart the healthy runs of another. Only a graceful silo
///    shutdown (<see cref="StopAsync"/>, called by <see cref="GpuWorkerStarter"/>) stops them.
/// 2. Pull, not push: the worker alone knows when a slot is free; a dead worker simply stops pulling, and the run
///    grain's lease and the membership check cover the runs it held.
/// 3. Everything runs on the thread pool, never on a grain scheduler (an activation's scheduler stops with it);
///    state is guarded by one lock and pulls are serialised (a pull requested during one runs right after it).
/// 4. Stopping cancels every attempt and waits up to <see cref="WorkerOptions.ShutdownGrace"/>; each cancelled
///    attempt hands its run back with a WorkerLost report under its own epoch (the run is Pending at once).
/// </summary>
public sealed class LocalWorker(
    IGrainFactory grains,
    IRunExecutor executor,
    ICheckpointBackend checkpoints,
    ILocalSiloDetails silo,
    IOptions<WorkerOptions> options,
    ILogger<LocalWorker> logger
)
{
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(3);

    private readonly Lock gate = new();
    private readonly Dictionary<string, CancellationTokenSource> running = new(StringComparer.Ordinal);
    private readonly List<Task> attempts = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim pulling = new(1, 1);
    private string stopReason = "stopped";
    private int slots;
    private int completedAttempts;
    private int frontActivations;
    private bool pullRequested;
    private Task poller = Task.CompletedTask;

    /// <summary>This silo's address with its incarnation (generation): the worker id runs record.</summary>
    public string WorkerId => silo.SiloAddress.ToParsableString();

    /// <summary>How often this silo's <see cref="GpuWorkerGrain"/> was activated (Orleans may deactivate it at any
    /// time; the runs go on).</summary>
    public int FrontActivations => Volatile.Read(ref frontActivations);

    private ISchedulerGrain Scheduler => grains.GetGrain<ISchedulerGrain>(SchedulerGrain.DefaultKey);

    /// <summary>Starts the loops with this many slots (idempotent; the first call's slot count holds).</summary>
    public void Start(int slots)
    {
        lock (gate)
        {
            if (stopping.IsCancellationRequested || this.slots > 0)
                return;
            this.slots = Math.Max(1, slots);
            poller = Task.Run(() => PollAsync(stopping.Token), CancellationToken.None);
        }
        logger.LogInformation(
            "Worker {WorkerId} started with {Slots} slots on devices [{Devices}]",
            WorkerId,
            this.slots,
            string.Join(", ", options.Value.Devices)
        );
    }

    /// <summary>Counts an activation of this silo's worker grain.</summary>
    public void FrontActivated() => Interlocked.Increment(ref frontActivations);

    /// <summary>Fills free slots from the scheduler (a wake-up, or the poll); never runs on the caller's
    /// scheduler.</summary>
    public Task PullAsync() => Task.Run(PullCoreAsync);

    public WorkerInfo Info()
    {
        lock (gate)
            return new WorkerInfo(WorkerId, slots, [.. running.Keys], completedAttempts);
    }

    /// <summary>Stops pulling, cancels every attempt and waits (bounded) until each has handed its run back.</summary>
    public async Task StopAsync(string why)
    {
        lock (gate)
        {
            if (!stopping.IsCancellationRequested)
                stopReason = why;
        }
        await stopping.CancelAsync();
        await poller;
        Task[] pending;
        lock (gate)
            pending = [.. attempts];
        var ending = Task.WhenAll(pending);
        if (await Task.WhenAny(ending, Task.Delay(options.Value.ShutdownGrace)) != ending)
            logger.LogWarning(
                "Worker {WorkerId}: {Count} attempts did not stop within {Grace}; their leases expire instead",
                WorkerId,
                pending.Count(a => !a.IsCompleted),
                options.Value.ShutdownGrace
            );
    }

    private async Task PollAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(options.Value.PollPeriod);
        try
        {
            do await PullCoreAsync();
            while (await timer.WaitForNextTickAsync(cancellation));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task PullCoreAsync()
    {
        lock (gate)
            pullRequested = true;
        // One pull at a time; a request that arrives during a pull is served by that pull's next round.
        if (!await pulling.WaitAsync(0))
            return;
        try
        {
            while (TakeRequest())
                await FillSlotsAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Worker {WorkerId} could not pull work; it retries on its next poll", WorkerId);
        }
        finally
        {
            pulling.Release();
        }
    }

    private bool TakeRequest()
    {
        lock (gate)
        {
            bool requested = pullRequested;
            pullRequested = false;
            return requested;
        }
    }

    private async Task FillSlotsAsync()
    {
        while (FreeSlots() is > 0 and int free && !stopping.IsCancellationRequested)
        {
            var runIds = await Scheduler.TakeAsync(WorkerId, free);
            if (runIds.Count == 0)
                return;
            if (stopping.IsCancellationRequested)
            {
                await Scheduler.EnqueueAsync(runIds); // stopped while taking: give them back untouched
                return;
            }
            List<(string RunId, CancellationTokenSource Source)> fresh;
            List<string> busy;
            lock (gate)
            {
                fresh =
                [
                    .. runIds
                        .Where(id => !running.ContainsKey(id))
                        .Select(id =>
                            (id, running[id] = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token))
                        ),
                ];
                busy = [.. runIds.Where(id => fresh.All(f => f.RunId != id))];
            }
            if (busy.Count > 0)
                await Scheduler.EnqueueAsync(busy); // still finishing here: give them back
            var assignments = await Task.WhenAll(fresh.Select(f => AssignAsync(f.RunId)));
            for (int i = 0; i < fresh.Count; i++)
            {
                var (runId, source) = fresh[i];
                if (assignments[i] is { } assignment)
                    Track(Task.Run(() => RunAttemptAsync(assignment, source)));
                else
                    Release(runId, source);
            }
            if (fresh.Count == 0)
                return;
        }
    }

    private int FreeSlots()
    {
        lock (gate)
            return slots - running.Count;
    }

    private async Task<RunAssignment?> AssignAsync(string runId)
    {
        try
        {
            return await grains.GetGrain<IRunGrain>(runId).AssignAsync(WorkerId);
        }
        catch (Exception e)
        {
            // The run stays Pending (or its lease expires); its timer or reminder queues it again.
            logger.LogWarning(e, "Worker {WorkerId} could not take run {RunId}", WorkerId, runId);
            return null;
        }
    }

    private async Task RunAttemptAsync(RunAssignment assignment, CancellationTokenSource cancellation)
    {
        string runId = assignment.Run.RunId;
        long epoch = assignment.Epoch;
        var run = grains.GetGrain<IRunGrain>(runId);
        var session = new RunSession(run, assignment, checkpoints);
        var context = new RunExecutionContext
        {
            Run = assignment.Run,
            Epoch = epoch,
            Restarts = assignment.Restarts,
            Checkpoints = session,
            Progress = session,
            Logger = logger,
            Devices = options.Value.Devices,
        };
        Func<Task>? report = null;
        try
        {
            var result = await executor.ExecuteAsync(context, cancellation.Token);
            var outcome = new RunOutcome(result.FinalStep, result.FinalWeightsSha256);
            report = () => ReportAsync(() => run.CompleteAsync(epoch, outcome));
        }
        catch (RunFencedException)
        {
            logger.LogWarning("Worker {WorkerId} stops run {RunId}: epoch {Epoch} was fenced", WorkerId, runId, epoch);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            logger.LogInformation(
                "Worker {WorkerId} stopped run {RunId} (epoch {Epoch}) at step {Step} and hands it back",
                WorkerId,
                runId,
                epoch,
                session.LastStep
            );
            int step = session.LastStep;
            report = () =>
                run.FailAsync(
                        epoch,
                        FailureKind.WorkerLost,
                        $"worker {WorkerId} stopped ({stopReason}) and handed the run back",
                        step
                    )
                    .WaitAsync(HandBackTimeout);
        }
        catch (RunFailureException e)
        {
            logger.LogWarning(
                e,
                "Run {RunId} failed ({Kind}) at step {Step}, epoch {Epoch}",
                runId,
                e.Kind,
                e.Step,
                epoch
            );
            report = () => ReportAsync(() => run.FailAsync(epoch, e.Kind, e.Message, e.Step));
        }
        catch (Exception e)
        {
            // bad data is configuration (never retried), not infrastructure
            var (kind, message) = FailureClassifier.Classify(e);
            logger.LogWarning(
                e,
                "Run {RunId} failed ({Kind}) at step {Step}, epoch {Epoch}",
                runId,
                kind,
                session.LastStep,
                epoch
            );
            report = () => ReportAsync(() => run.FailAsync(epoch, kind, message, session.LastStep));
        }
        // Free the slot and refill it while the end is reported (the report is a storage write; the slot need not
        // idle through it). A failed run is re-queued by its report and may come straight back here.
        Interlocked.Increment(ref completedAttempts);
        Release(runId, cancellation);
        var refill = PullAsync();
        try
        {
            if (report is not null)
                await report();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The lease expires and the run grain reassigns the run: nothing is lost, only time.
            logger.LogWarning(
                e,
                "Worker {WorkerId} could not report the end of run {RunId} epoch {Epoch}",
                WorkerId,
                runId,
                epoch
            );
        }
        await refill;
        await PullAsync(); // a report that re-queued this run
    }

    private void Track(Task attempt)
    {
        lock (gate)
        {
            attempts.RemoveAll(a => a.IsCompleted);
            attempts.Add(attempt);
        }
    }

    private Task ReportAsync(Func<Task<ReportVerdict>> call) =>
        GrainCallResilience.Pipeline.ExecuteAsync(async _ => await call(), stopping.Token).AsTask();

    /// <summary>Frees the slot of one attempt (only that attempt's: the same run may already hold a new
    /// slot).</summary>
    private void Release(string runId, CancellationTokenSource attempt)
    {
        lock (gate)
        {
            if (!running.TryGetValue(runId, out var source) || !ReferenceEquals(source, attempt))
                return;
            running.Remove(runId);
            source.Dispose();
        }
    }
}
