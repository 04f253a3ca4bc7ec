using System.Diagnostics.Metrics;

namespace SaEI.Grains.Workers;

/// <summary>
/// The meter <see cref="Name"/>: the pending-run queue of the <see cref="SchedulerGrain"/> active on this silo (one
/// singleton per silo, from the host's <see cref="IMeterFactory"/>). The grain sets the lengths on every change; a
/// silo without the scheduler reports 0, so the sum over silos is the cluster's queue.
/// </summary>
public sealed class SchedulerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "saei.scheduler";

    private int queueLength;
    private int waitingWorkers;

    public SchedulerMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(Name);
        meter.CreateObservableGauge(
            "saei.scheduler.queue.length",
            () => Volatile.Read(ref queueLength),
            "{run}",
            "Pending runs queued for a worker"
        );
        meter.CreateObservableGauge(
            "saei.scheduler.waiting_workers",
            () => Volatile.Read(ref waitingWorkers),
            "{worker}",
            "Workers with free slots waiting for a run"
        );
    }

    /// <summary>The scheduler's queue now (0, 0 when it deactivates).</summary>
    public void Set(int queued, int waiting)
    {
        Volatile.Write(ref queueLength, queued);
        Volatile.Write(ref waitingWorkers, waiting);
    }
}
