using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SaEI.Grains.Workers;

/// <summary>
/// Registered only on gpu/all silos (<see cref="AddSaeiWorker"/>): starts this silo's <see cref="LocalWorker"/>,
/// keeps its grain front (keyed by the silo's address; [PreferLocalPlacement] puts it here) active, and stops the
/// worker on shutdown.
///
/// Decisions:
/// 1. A watchdog loop calls the idempotent <see cref="IGpuWorkerGrain.StartAsync"/> every
///    <see cref="WorkerOptions.WatchdogPeriod"/>: Orleans deactivates an activation whose grain-directory entry lived
///    on a silo that died (and could collect one for any other reason); the training loops do not depend on it
///    (they belong to the silo), only the scheduler's wake-ups do.
/// 2. It subscribes at the Active stage, which stops first on shutdown, while every grain of the cluster still
///    answers: the worker hands its runs back to their run grains before Orleans deactivates anything.
/// </summary>
public sealed class GpuWorkerStarter(
    IGrainFactory grains,
    LocalWorker local,
    ILocalSiloDetails silo,
    IOptions<WorkerOptions> options,
    ILogger<GpuWorkerStarter> logger
) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Registers the worker of a gpu/all silo: its training loops and the starter that runs them.</summary>
    public static void AddSaeiWorker(IServiceCollection services)
    {
        services.AddSingleton<LocalWorker>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, GpuWorkerStarter>();
    }

    private readonly CancellationTokenSource stopping = new();
    private Task watchdog = Task.CompletedTask;

    private string WorkerId => silo.SiloAddress.ToParsableString();

    private IGpuWorkerGrain Worker => grains.GetGrain<IGpuWorkerGrain>(WorkerId);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GpuWorkerStarter), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellation)
    {
        local.Start(options.Value.Slots);
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
                    logger.LogWarning(
                        e,
                        "Watchdog could not reach worker {WorkerId}; it tries again in {Period}",
                        WorkerId,
                        options.Value.WatchdogPeriod
                    );
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
            await local
                .StopAsync("its silo is shutting down")
                .WaitAsync(options.Value.ShutdownGrace + TimeSpan.FromSeconds(5), cancellation);
            logger.LogInformation("GPU worker {WorkerId} stopped and handed its runs back", WorkerId);
        }
        catch (Exception e)
        {
            // Best effort: a run not handed back is reassigned when its lease expires.
            logger.LogWarning(
                e,
                "GPU worker {WorkerId} could not hand its runs back on shutdown; their leases expire instead",
                WorkerId
            );
        }
    }
}
