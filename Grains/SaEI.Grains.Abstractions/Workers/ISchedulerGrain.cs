namespace SaEI.Grains.Workers;

/// <summary>
/// The queue of pending runs (key: "default"). Soft state: every Pending run re-enqueues itself on activation and
/// on its durable reminder, so losing this grain loses no work. Workers pull from it (see GpuWorkerGrain).
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>Queues runs (deduplicated) and wakes waiting workers.</summary>
    Task EnqueueAsync(IReadOnlyList<string> runIds);

    /// <summary>Takes up to <paramref name="count"/> runs for a worker; when none, the worker is woken on the next enqueue.</summary>
    Task<IReadOnlyList<string>> TakeAsync(string workerId, int count);

    /// <summary>Runs in the queue.</summary>
    Task<int> GetQueueLengthAsync();
}
