using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace SaEI.Silo;

/// <summary>
/// The silo host (`saei silo [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N] [--slots N]`).
/// Configuration: appsettings.json, then environment, then flags. Without a cluster id it is one local silo with
/// localhost clustering; with one, silos find each other through Azure Table storage.
/// </summary>
public static class SaeiSilo
{
    /// <summary>Builds the host; throws <see cref="ArgumentException"/> on a bad flag or setting.</summary>
    /// <param name="args">Flags (see <see cref="SiloSettings.Flags"/>).</param>
    /// <param name="settings">Extra configuration between environment and flags (tests: e.g. "Saei:Storage").</param>
    /// <param name="configure">A last hook on the silo builder.</param>
    /// <param name="defaults">Lowest-precedence settings (below appsettings.json and environment).</param>
    public static IHost Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null, Action<ISiloBuilder>? configure = null,
        IEnumerable<KeyValuePair<string, string?>>? defaults = null)
    {
        SiloSettings.CheckFlags(args);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        if (defaults is not null)
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddCommandLine(args, SiloSettings.Flags.ToDictionary());
        var silo = SiloSettings.From(builder.Configuration);
        builder.UseOrleans(orleans =>
        {
            // Failure detection (Orleans' ClusterMembershipOptions, e.g. Saei__Membership__ProbeTimeout): tests shorten it.
            orleans.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Saei:Membership"));
            if (silo.ClusterId is { } clusterId)
                orleans.UseSaeiClustering(silo.StorageConnectionString, clusterId, silo.SiloPort, silo.GatewayPort);
            else
                orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort);
            orleans.AddSaeiStorage(silo.StorageConnectionString)
                .AddSaeiOrchestration(silo.StorageConnectionString, silo.RunsWorker, builder.Configuration);
            configure?.Invoke(orleans);
        });
        var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SaEI.Silo");
        logger.LogInformation("Silo role {Role}, cluster {Cluster}, ports {SiloPort}/{GatewayPort}, storage {Storage}",
            silo.Role, silo.ClusterId ?? "(local)", silo.SiloPort, silo.GatewayPort, StorageDescription.Redact(silo.StorageConnectionString));
        return host;
    }

    /// <summary>Runs the silo until Ctrl-C or SIGTERM; exit code 2 on a bad flag or setting.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        IHost host;
        try
        {
            // A silo started by hand trains for real unless Saei__Executor=simulated says otherwise.
            host = Build(args, defaults: [new(SiloConfiguration.ExecutorKey, SiloConfiguration.TorchExecutor)]);
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
