using Orleans.Concurrency;

namespace SaEI.Grains.Workers;

/// <summary>
/// The worker of one GPU-role silo (key: the silo's address with its incarnation). Owns the node's devices and a
/// number of run slots; pulls pending runs from the scheduler when a slot is free. The training loops belong to the
/// silo, not to this grain's activation: Orleans may deactivate the grain (e.g. when the silo holding its directory
/// entry dies) without stopping a run.
/// </summary>
public interface IGpuWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts pulling work with this many concurrent run slots (idempotent).</summary>
    Task StartAsync(int slots);

    /// <summary>
    /// Stops taking work and hands every running run back to its run grain at once (a WorkerLost release: the run is
    /// Pending again with a higher epoch, without waiting for its lease). Graceful silo shutdown calls it.
    /// </summary>
    Task StopAsync();

    /// <summary>A hint from the scheduler that work was queued.</summary>
    [OneWay]
    Task WorkAvailableAsync();

    Task<WorkerInfo> GetInfoAsync();
}

/// <summary>A worker's slots and what runs in them.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerInfo(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] int Slots,
    [property: Id(2)] IReadOnlyList<string> RunningRuns,
    [property: Id(3)] int CompletedAttempts
);
