using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SaEI.Grains.Training;
using SaEI.Grains.Workers;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// Issue 13 (CUDA wiring, on the CPU): `Saei__Torch__Device=cuda` and the worker's per-node device list, set as
/// environment variables, reach the devices the trainer places the model on (<see cref="TorchRunExecutor"/> takes
/// <see cref="ModelPlacement.DevicesFor"/> of the worker's devices and the executor's device). The silo's own service
/// registration binds them (<see cref="SiloConfiguration.AddSaeiOrchestration"/>); CUDA itself is not touched.
/// </summary>
public sealed class DeviceConfigurationTests
{
    [Fact]
    public void The_environments_torch_device_and_worker_devices_reach_the_trainers_device_choice()
    {
        var (torch, worker) = Bound(
            ("Saei__Torch__Device", "cuda"),
            ("Saei__Worker__Devices__0", "cuda:0"),
            ("Saei__Worker__Devices__1", "cuda:1")
        );
        Assert.Equal("cuda", torch.Device);
        Assert.Equal(["cuda:0", "cuda:1"], worker.Devices);
        Assert.Equal(["cuda:0", "cuda:1"], ModelPlacement.DevicesFor(worker.Devices, torch.Device));

        // Without a device list the node runs on the executor's one device.
        var (alone, noList) = Bound(("Saei__Torch__Device", "cuda"));
        Assert.Empty(noList.Devices);
        Assert.Equal(["cuda"], ModelPlacement.DevicesFor(noList.Devices, alone.Device));
    }

    /// <summary>The options a silo registers from these environment variables (a unique prefix keeps tests
    /// apart).</summary>
    private static (TorchExecutorOptions Torch, WorkerOptions Worker) Bound(
        params (string Name, string Value)[] variables
    )
    {
        string prefix = $"SAEI_DEVICE_TEST_{Guid.NewGuid():N}_";
        foreach (var (name, value) in variables)
            Environment.SetEnvironmentVariable(prefix + name, value);
        try
        {
            var settings = new ConfigurationBuilder()
                .AddInMemoryCollection(
                    new Dictionary<string, string?>
                    {
                        [SiloConfiguration.ExecutorKey] = SiloConfiguration.TorchExecutor,
                    }
                )
                .AddEnvironmentVariables(prefix)
                .Build();
            using var host = new HostBuilder()
                .UseOrleans(silo =>
                    silo.UseLocalhostClustering()
                        .AddSaeiOrchestration(Azurite.ConnectionString, runsWorker: false, settings)
                )
                .Build();
            return (
                host.Services.GetRequiredService<TorchExecutorOptions>(),
                host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value
            );
        }
        finally
        {
            foreach (var (name, _) in variables)
                Environment.SetEnvironmentVariable(prefix + name, null);
        }
    }
}
