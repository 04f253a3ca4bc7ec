using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;
using SaEI.Silo;

namespace SaEI.Benchmarks;

/// <summary>
/// One in-process silo for the orchestration benchmarks: grain state and reminders in memory, checkpoints in memory
/// (<see cref="InMemoryCheckpointBackend"/>), the simulated executor, one worker with the given slots. Only the
/// spec.yaml copy goes to blob storage (Azurite), once per sweep; Azurite is started when it does not answer
/// (<see cref="LocalAzurite"/>).
/// </summary>
public static class OrchestrationHost
{
    public static async Task<IHost> StartAsync(int slots)
    {
        string storage = await LocalAzurite.EnsureAsync();
        var builder = Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory }
        );
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<ICheckpointBackend, InMemoryCheckpointBackend>();
        builder.Services.Configure<WorkerOptions>(o =>
        {
            o.Slots = slots;
            o.PollPeriod = TimeSpan.FromMilliseconds(100);
        });
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort());
            silo.AddMemoryGrainStorage(StorageNames.GrainState);
            silo.UseInMemoryReminderService();
            silo.AddSaeiOrchestration(
                storage,
                runsWorker: true,
                new ConfigurationBuilder()
                    .AddInMemoryCollection([new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor)])
                    .Build()
            );
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
