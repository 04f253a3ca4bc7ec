using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SaEI.Silo;

/// <summary>
/// The silo host (`saei silo [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N] [--slots N]`).
/// Configuration: appsettings.json, then environment, then flags. Without a cluster id it is one local silo with
/// localhost clustering; with one, silos find each other through Azure Table storage.
/// </summary>
public static class SaeiSilo
{
    /// <summary>Builds the host; throws <see cref="ArgumentException"/> on a bad flag or setting.</summary>
    public static IHost Build(string[] args, Action<ISiloBuilder>? configure = null)
    {
        SiloSettings.CheckFlags(args);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, SiloSettings.Flags.ToDictionary());
        var settings = SiloSettings.From(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            if (settings.ClusterId is { } clusterId)
                silo.UseSaeiClustering(settings.StorageConnectionString, clusterId, settings.SiloPort, settings.GatewayPort);
            else
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort);
            silo.AddSaeiStorage(settings.StorageConnectionString)
                .AddSaeiOrchestration(settings.StorageConnectionString, settings.RunsWorker, builder.Configuration);
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SaEI.Silo");
        logger.LogInformation("Silo role {Role}, cluster {Cluster}, ports {SiloPort}/{GatewayPort}, storage {Storage}",
            settings.Role, settings.ClusterId ?? "(local)", settings.SiloPort, settings.GatewayPort, StorageDescription.Redact(settings.StorageConnectionString));
        return host;
    }

    /// <summary>Runs the silo until Ctrl-C or SIGTERM; exit code 2 on a bad flag or setting.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        IHost host;
        try
        {
            host = Build(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"saei silo: {e.Message}");
            return 2;
        }
        using (host)
        {
            await host.RunAsync();
        }
        return 0;
    }
}
