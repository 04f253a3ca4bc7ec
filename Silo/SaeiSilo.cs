using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SaEI.Grains.Storage;
using SaEI.Silo.Telemetry;

namespace SaEI.Silo;

/// <summary>
/// The silo host (`saei silo [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N] [--slots N]
/// [--bind ADDRESS --tls-cert FILE --tls-ca FILE]`). Configuration: appsettings.json, then environment, then flags.
/// Without a cluster id it is one local silo with development clustering; with one, silos find each other through
/// Azure Table storage. It listens on loopback unless --bind says otherwise, and then only with mutual TLS. Metrics,
/// traces and the Orleans dashboard are opt-in (<see cref="SiloTelemetry"/>).
/// </summary>
public static class SaeiSilo
{
    /// <summary>How long the start-up storage check may take before the silo gives up.</summary>
    public static readonly TimeSpan StorageCheckTimeout = TimeSpan.FromSeconds(15);

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
        if (StorageCheck.Validate(silo.StorageConnectionString) is { } malformed) throw new ArgumentException(malformed);
        var tls = silo.Tls?.Load();
        var (metrics, dashboard) = SiloTelemetry.Read(builder.Configuration);
        // The Orleans dashboard needs a web host (SiloTelemetry decision 3); otherwise the silo serves no HTTP.
        var web = dashboard.Enabled ? SiloTelemetry.DashboardHost(builder, dashboard) : null;
        IHostApplicationBuilder host = web is null ? builder : web;
        host.Services.AddSaeiTelemetry(metrics, $"{Environment.MachineName}:{silo.GatewayPort}");
        host.UseOrleans(orleans =>
        {
            // Failure detection (Orleans' ClusterMembershipOptions, e.g. Saei__Membership__ProbeTimeout): tests shorten it.
            orleans.Configure<ClusterMembershipOptions>(host.Configuration.GetSection("Saei:Membership"));
            if (silo.ClusterId is { } clusterId)
                orleans.UseSaeiClustering(silo.StorageConnectionString, clusterId, silo.Bind, silo.SiloPort, silo.GatewayPort);
            else if (!silo.BindsBeyondLoopback)
                // A service id per gateway port, as per cluster id: local silos on one storage never fire each other's
                // reminders, and a restarted local silo (same port) gets its own back.
                orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: SiloConfiguration.LocalServiceIdOf(silo.GatewayPort));
            else
                orleans.UseDevelopmentClustering(new IPEndPoint(silo.Bind, silo.SiloPort))
                    .ConfigureEndpoints(silo.Bind, silo.SiloPort, silo.GatewayPort)
                    .Configure<ClusterOptions>(options => { options.ClusterId = "dev"; options.ServiceId = "dev"; });
            if (tls is not null) orleans.UseTls(tls.Certificate, tls.Configure);
            orleans.AddSaeiStorage(silo.StorageConnectionString)
                .AddSaeiOrchestration(silo.StorageConnectionString, silo.RunsWorker, host.Configuration);
            if (dashboard.Enabled) orleans.AddSaeiOrleansDashboard();
            configure?.Invoke(orleans);
        });
        IHost built = web is null ? builder.Build() : SiloTelemetry.BuildWithDashboard(web);
        var logger = built.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SaEI.Silo");
        if (builder.Configuration["Saei:Storage"] is null
            && Environment.GetEnvironmentVariable(LocalStorage.ConnectionStringVariable) is not null)
            logger.LogWarning(
                "{Old} is deprecated and read for this release only; set Saei__Storage (Saei:Storage) instead",
                LocalStorage.ConnectionStringVariable);
        logger.LogInformation("Silo role {Role}, cluster {Cluster}, address {Address}, ports {SiloPort}/{GatewayPort}, TLS {Tls}, storage {Storage}",
            silo.Role, silo.ClusterId ?? "(local)", silo.Bind, silo.SiloPort, silo.GatewayPort,
            tls is null ? "off" : $"mutual ({tls.Certificate.Subject})", StorageDescription.Redact(silo.StorageConnectionString));
        logger.LogInformation("Prometheus endpoint {Prometheus}, OTLP {Otlp}, Orleans dashboard {Dashboard}",
            metrics.PrometheusPort is { } port ? $"http://{metrics.Bind}:{port}/metrics" : "off",
            string.IsNullOrWhiteSpace(metrics.OtlpEndpoint) ? "off" : metrics.OtlpEndpoint,
            dashboard.Port is { } dashboardPort ? $"http://{dashboard.Bind}:{dashboardPort}/" : "off");
        return built;
    }

    /// <summary>
    /// Runs the silo until Ctrl-C or SIGTERM. Exit 2 on an unknown flag or a flag without its value; 1 on a bad
    /// setting (bind address without TLS, unreadable certificate, malformed storage string) or storage that refuses
    /// the credentials or does not answer within <see cref="StorageCheckTimeout"/>.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            SiloSettings.CheckFlags(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"saei silo: {e.Message}");
            return 2;
        }
        IHost host;
        try
        {
            // A silo started by hand trains for real unless Saei__Executor=simulated says otherwise.
            host = Build(args, defaults: [new(SiloConfiguration.ExecutorKey, SiloConfiguration.TorchExecutor)]);
        }
        catch (Exception e) when (e is ArgumentException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"saei silo: {e.Message}");
            return 1;
        }
        using (host)
        {
            // One authenticated call before Orleans starts: a wrong key would otherwise retry 403s forever.
            string storage = SiloSettings.From(host.Services.GetRequiredService<IConfiguration>()).StorageConnectionString;
            if (await StorageCheck.CheckAsync(storage, StorageCheckTimeout) is { } problem)
            {
                await Console.Error.WriteLineAsync($"saei silo: {problem}");
                return 1;
            }
            await host.RunAsync();
        }
        return 0;
    }
}
