namespace SaEI.Grains.Workers;

// Calls time out after 5 s instead of Orleans' 30 s: after a silo dies, a call caught on its way to the old
// activation fails fast and the next poll or reminder retries against the re-activated scheduler.

/// <summary>
/// The queue of pending runs (key: "default"). Soft state: every Pending run re-enqueues itself on activation and
/// on its durable reminder, so losing this grain loses no work. Workers pull from it (see GpuWorkerGrain).
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>Queues runs (deduplicated) and wakes waiting workers.</summary>
    [ResponseTimeout("00:00:05")]
    Task EnqueueAsync(IReadOnlyList<string> runIds);

    /// <summary>Takes up to <paramref name="count"/> runs for a worker; when none, the worker is woken on the next
    /// enqueue.</summary>
    [ResponseTimeout("00:00:05")]
    Task<IReadOnlyList<string>> TakeAsync(string workerId, int count);

    /// <summary>Runs in the queue.</summary>
    Task<int> GetQueueLengthAsync();
}
