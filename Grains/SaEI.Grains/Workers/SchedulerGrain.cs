namespace SaEI.Grains.Workers;

/// <summary>
/// The FIFO of pending runs. Workers pull (see <see cref="GpuWorkerGrain"/> for why pull): a worker with free slots
/// takes runs; an empty queue remembers the worker and wakes it on the next enqueue. Soft state by design — Pending
/// run grains re-enqueue themselves on activation and on their durable reminder — so nothing here is persisted.
/// </summary>
public sealed class SchedulerGrain(SchedulerMetrics metrics) : Grain, ISchedulerGrain
{
    /// <summary>The one scheduler of a cluster.</summary>
    public const string DefaultKey = "default";

    private readonly Queue<string> queue = new();
    private readonly HashSet<string> queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> waitingWorkers = new(StringComparer.Ordinal);

    public Task EnqueueAsync(IReadOnlyList<string> runIds)
    {
        foreach (string runId in runIds)
            if (queued.Add(runId))
                queue.Enqueue(runId);
        if (queue.Count > 0 && waitingWorkers.Count > 0)
        {
            foreach (string worker in waitingWorkers)
                GrainFactory.GetGrain<IGpuWorkerGrain>(worker).WorkAvailableAsync().Ignore();
            waitingWorkers.Clear();
        }
        metrics.Set(queue.Count, waitingWorkers.Count);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> TakeAsync(string workerId, int count)
    {
        var taken = new List<string>(Math.Min(count, queue.Count));
        while (taken.Count < count && queue.TryDequeue(out string? runId))
        {
            queued.Remove(runId);
            taken.Add(runId);
        }
        if (taken.Count < count)
            waitingWorkers.Add(workerId);
        metrics.Set(queue.Count, waitingWorkers.Count);
        return Task.FromResult<IReadOnlyList<string>>(taken);
    }

    public Task<int> GetQueueLengthAsync() => Task.FromResult(queue.Count);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Set(0, 0); // the queue is soft state: it goes with the activation (refilled by the run grains)
        return Task.CompletedTask;
    }
}
