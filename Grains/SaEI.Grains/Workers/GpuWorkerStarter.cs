using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SaEI.Grains.Workers;

/// <summary>
/// Registered only on gpu/all silos: once the silo is active, activates this silo's worker (keyed by the silo's
/// address; [PreferLocalPlacement] puts it here) with the configured slots.
/// </summary>
public sealed class GpuWorkerStarter(IGrainFactory grains, ILocalSiloDetails silo, IOptions<WorkerOptions> options, ILogger<GpuWorkerStarter> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GpuWorkerStarter), ServiceLifecycleStage.Active, StartAsync, _ => Task.CompletedTask);

    private async Task StartAsync(CancellationToken cancellation)
    {
        string workerId = silo.SiloAddress.ToParsableString();
        await grains.GetGrain<IGpuWorkerGrain>(workerId).StartAsync(options.Value.Slots);
        logger.LogInformation("GPU worker {WorkerId} is pulling work", workerId);
    }
}
