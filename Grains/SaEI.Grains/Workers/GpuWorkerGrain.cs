using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Placement;

namespace SaEI.Grains.Workers;

/// <summary>
/// The addressable front of one GPU-role silo's <see cref="LocalWorker"/> (key: that silo's address, activated there
/// by <see cref="GpuWorkerStarter"/>): the scheduler's wake-ups and `GetInfoAsync` reach the loops through it.
///
/// Decisions:
/// 1. The grain holds no runs: its activation may be deactivated by Orleans at any time (e.g. DirectoryFailure when
///    the silo owning its directory entry dies), and that must not stop training; the silo's watchdog
///    (<see cref="GpuWorkerStarter"/>) activates it again, and the worker's own poll covers wake-ups lost meanwhile.
/// 2. An activation whose key is not the local silo (a wake-up sent after that silo died, placed elsewhere) refuses
///    to start: runs execute only where the starter placed them, i.e. on gpu/all silos.
/// </summary>
[Reentrant, PreferLocalPlacement, Immovable]
public sealed class GpuWorkerGrain(IServiceProvider services, ILocalSiloDetails silo, ILogger<GpuWorkerGrain> logger)
    : Grain,
        IGpuWorkerGrain
{
    private string WorkerId => this.GetPrimaryKeyString();

    /// <summary>This silo's worker, or null when this activation is not on the silo its key names.</summary>
    private LocalWorker? Local =>
        WorkerId == silo.SiloAddress.ToParsableString() ? services.GetService<LocalWorker>() : null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Local?.FrontActivated();
        return Task.CompletedTask;
    }

    public Task StartAsync(int slots)
    {
        if (Local is not { } local)
        {
            logger.LogWarning(
                "Worker {WorkerId} activated on silo {Silo}, not its own (or not a worker silo); it stays idle",
                WorkerId,
                silo.SiloAddress
            );
            DeactivateOnIdle();
            return Task.CompletedTask;
        }
        local.Start(slots);
        return local.PullAsync();
    }

    public Task StopAsync() => Local?.StopAsync("its silo is shutting down") ?? Task.CompletedTask;

    public Task WorkAvailableAsync()
    {
        Local?.PullAsync().Ignore(); // one-way: the pull runs on the thread pool, past this call
        return Task.CompletedTask;
    }

    public Task<WorkerInfo> GetInfoAsync() => Task.FromResult(Local?.Info() ?? new WorkerInfo(WorkerId, 0, [], 0));

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (Local is { } local && local.Info().Slots > 0)
            logger.LogInformation(
                "Worker grain {WorkerId} deactivated ({Reason}); its {Running} runs keep training and the watchdog "
                    + "activates it again",
                WorkerId,
                reason,
                local.Info().RunningRuns.Count
            );
        return Task.CompletedTask;
    }
}
