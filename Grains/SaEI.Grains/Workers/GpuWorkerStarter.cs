using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SaEI.Grains.Workers;

/// <summary>
/// Registered only on gpu/all silos: starts, watches and stops this silo's worker (keyed by the silo's address;
/// [PreferLocalPlacement] puts it here).
///
/// Decisions:
/// 1. A watchdog loop calls the idempotent <see cref="IGpuWorkerGrain.StartAsync"/> every
///    <see cref="WorkerOptions.WatchdogPeriod"/>: Orleans deactivates an activation whose grain-directory entry lived
///    on a silo that died (and could collect one for any other reason), and nothing else would start it again.
/// 2. It subscribes at the Active stage, which stops first on shutdown, while every grain of the cluster still
///    answers: the worker hands its runs back to their run grains before Orleans deactivates anything.
/// </summary>
public sealed class GpuWorkerStarter(IGrainFactory grains, ILocalSiloDetails silo, IOptions<WorkerOptions> options, ILogger<GpuWorkerStarter> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource stopping = new();
    private Task watchdog = Task.CompletedTask;

    private string WorkerId => silo.SiloAddress.ToParsableString();

    private IGpuWorkerGrain Worker => grains.GetGrain<IGpuWorkerGrain>(WorkerId);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GpuWorkerStarter), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellation)
    {
        await Worker.StartAsync(options.Value.Slots);
        logger.LogInformation("GPU worker {WorkerId} is pulling work", WorkerId);
        watchdog = Task.Run(() => WatchAsync(stopping.Token), CancellationToken.None);
    }

    private async Task WatchAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(options.Value.WatchdogPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                try
                {
                    await Worker.StartAsync(options.Value.Slots);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Watchdog could not reach worker {WorkerId}; it tries again in {Period}", WorkerId, options.Value.WatchdogPeriod);
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private async Task StopAsync(CancellationToken cancellation)
    {
        await stopping.CancelAsync();
        await watchdog;
        try
        {
            await Worker.StopAsync().WaitAsync(options.Value.ShutdownGrace + TimeSpan.FromSeconds(5), cancellation);
            logger.LogInformation("GPU worker {WorkerId} stopped and handed its runs back", WorkerId);
        }
        catch (Exception e)
        {
            // Best effort: a run not handed back is reassigned when its lease expires.
            logger.LogWarning(e, "GPU worker {WorkerId} could not hand its runs back on shutdown; their leases expire instead", WorkerId);
        }
    }
}
