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
/// The silo host (`saei silo --executor torch|simulated [--role control|gpu|all] [--cluster-id ID --port N
/// --gateway-port N] [--slots N] [--bind ADDRESS --tls-cert FILE --tls-ca FILE]`). Configuration: appsettings.json,
/// then environment, then flags.
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
    public static IHost Build(
        string[] args,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<ISiloBuilder>? configure = null,
        IEnumerable<KeyValuePair<string, string?>>? defaults = null
    )
    {
        SiloSettings.CheckFlags(args);
        var builder = Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory }
        );
        if (defaults is not null)
            builder.Configuration.Sources.Insert(
                0,
                new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults }
            );
        if (settings is not null)
            builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddCommandLine(args, SiloSettings.Flags.ToDictionary());
        var silo = Check(builder.Configuration);
        var tls = silo.Tls?.Load();
        var (metrics, dashboard) = SiloTelemetry.Read(builder.Configuration);
        // The Orleans dashboard needs a web host (SiloTelemetry decision 3); otherwise the silo serves no HTTP.
        var web = dashboard.Enabled ? SiloTelemetry.DashboardHost(builder, dashboard) : null;
        IHostApplicationBuilder host = web is null ? builder : web;
        host.Services.AddSaeiTelemetry(metrics, $"{Environment.MachineName}:{silo.GatewayPort}");
        host.UseOrleans(orleans =>
        {
            // Failure detection (Orleans' ClusterMembershipOptions, e.g. Saei__Membership__ProbeTimeout): tests shorten
            // it.
            orleans.Configure<ClusterMembershipOptions>(host.Configuration.GetSection("Saei:Membership"));
            if (silo.ClusterId is { } clusterId)
                orleans.UseSaeiClustering(
                    silo.StorageConnectionString,
                    clusterId,
                    silo.Bind,
                    silo.SiloPort,
                    silo.GatewayPort
                );
            else if (!silo.BindsBeyondLoopback)
                // A service id per gateway port, as per cluster id: local silos on one storage never fire each other's
                // reminders, and a restarted local silo (same port) gets its own back.
                orleans.UseLocalhostClustering(
                    silo.SiloPort,
                    silo.GatewayPort,
                    serviceId: SiloConfiguration.LocalServiceIdOf(silo.GatewayPort)
                );
            else
                orleans
                    .UseDevelopmentClustering(new IPEndPoint(silo.Bind, silo.SiloPort))
                    .ConfigureEndpoints(silo.Bind, silo.SiloPort, silo.GatewayPort)
                    .Configure<ClusterOptions>(options =>
                    {
                        options.ClusterId = "dev";
                        options.ServiceId = "dev";
                    });
            if (tls is not null)
                orleans.UseTls(tls.Certificate, tls.Configure);
            orleans
                .AddSaeiStorage(silo.StorageConnectionString)
                .AddSaeiOrchestration(silo.StorageConnectionString, silo.RunsWorker, host.Configuration);
            if (dashboard.Enabled)
                orleans.AddSaeiOrleansDashboard();
            configure?.Invoke(orleans);
        });
        // After Orleans, so the dashboard starts once the silo answers grain calls (issue 16).
        host.Services.AddSaeiDashboard(host.Configuration, silo.Role);
        IHost built = web is null ? builder.Build() : SiloTelemetry.BuildWithDashboard(web);
        var logger = built.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SaEI.Silo");
        if (
            builder.Configuration["Saei:Storage"] is null
            && Environment.GetEnvironmentVariable(LocalStorage.ConnectionStringVariable) is not null
        )
            logger.LogWarning(
                "{Old} is deprecated and read for this release only; set Saei__Storage (Saei:Storage) instead",
                LocalStorage.ConnectionStringVariable
            );
        logger.LogInformation(
            "Silo role {Role}, executor {Executor}, cluster {Cluster}, address {Address}, "
                + "ports {SiloPort}/{GatewayPort}, TLS {Tls}, storage {Storage}",
            silo.Role,
            builder.Configuration[SiloConfiguration.ExecutorKey],
            silo.ClusterId ?? "(local)",
            silo.Bind,
            silo.SiloPort,
            silo.GatewayPort,
            tls is null ? "off" : $"mutual ({tls.Certificate.Subject})",
            StorageDescription.Redact(silo.StorageConnectionString)
        );
        logger.LogInformation(
            "Prometheus endpoint {Prometheus}, OTLP {Otlp}, Orleans dashboard {Dashboard}",
            metrics.PrometheusPort is { } port ? $"http://{metrics.Bind}:{port}/metrics" : "off",
            string.IsNullOrWhiteSpace(metrics.OtlpEndpoint) ? "off" : metrics.OtlpEndpoint,
            dashboard.Port is { } dashboardPort ? $"http://{dashboard.Bind}:{dashboardPort}/" : "off"
        );
        return built;
    }

    /// <summary>
    /// The settings, the executor and the storage string checked together: one <see cref="ArgumentException"/>
    /// naming every problem (each with its key and fix), so a user fixes them in one go.
    /// </summary>
    private static SiloSettings Check(IConfiguration configuration)
    {
        var problems = new List<string>();
        SiloSettings? silo = null;
        try
        {
            silo = SiloSettings.From(configuration);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
        try
        {
            SiloConfiguration.ExecutorOf(configuration);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
        if (silo is not null && StorageCheck.Validate(silo.StorageConnectionString) is { } malformed)
            problems.Add(malformed);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join(" ", problems));
        return silo!;
    }

    /// <summary>
    /// Runs the silo until Ctrl-C or SIGTERM. Exit 2 on invalid configuration, found before anything connects: an
    /// unknown flag or one without its value, a bad setting (no or an unknown
    /// <see cref="SiloConfiguration.ExecutorKey"/>, a bind address without TLS, an unreadable certificate, a
    /// malformed storage string, an option that does not validate); 1 when storage refuses the credentials or does
    /// not answer within <see cref="StorageCheckTimeout"/>.
    /// Decision: no executor is chosen by default, not even for a silo started by hand: a silo that trains for real
    /// (minutes of CPU per step) or one that only simulates must be asked for by name.
    /// </summary>
    /// <param name="args">The flags.</param>
    /// <param name="error">Where refusals go (default: the console's stderr).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        const string Help = " (see `saei silo --help`)";
        try
        {
            SiloSettings.CheckFlags(args);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"saei silo: {e.Message}{Help}");
            return 2;
        }
        IHost? host = null;
        try
        {
            host = Build(args);
            // Options bound with ValidateOnStart (Saei:Worker, Saei:Runs, ...), every problem at once, before storage.
            host.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e) when (e is ArgumentException or OptionsValidationException)
        {
            host?.Dispose();
            string problems = e is OptionsValidationException invalid ? string.Join(" ", invalid.Failures) : e.Message;
            await error.WriteLineAsync($"saei silo: invalid configuration: {problems}{Help}");
            return 2;
        }
        using (host)
        {
            // One authenticated call before Orleans starts: a wrong key would otherwise retry 403s forever.
            string storage = SiloSettings
                .From(host.Services.GetRequiredService<IConfiguration>())
                .StorageConnectionString;
            if (await StorageCheck.CheckAsync(storage, StorageCheckTimeout) is { } problem)
            {
                await error.WriteLineAsync($"saei silo: {problem}");
                return 1;
            }
            await host.RunAsync();
        }
        return 0;
    }
}
