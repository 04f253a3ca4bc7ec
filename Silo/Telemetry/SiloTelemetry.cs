using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using SaEI.Gpu.Training;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;

namespace SaEI.Silo.Telemetry;

/// <summary>
/// The silo's observability, all opt-in (README "Metrics and traces"): the OpenTelemetry SDK with a Prometheus scrape
/// endpoint and/or an OTLP exporter ("Saei:Metrics"), and the Orleans dashboard ("Saei:OrleansDashboard").
/// Decisions:
/// 1. Nothing is registered when nothing is configured: no listener, so the instruments and the step spans cost
///    nothing (<see cref="TrainingTelemetry"/> decision 3).
/// 2. The Prometheus endpoint is the exporter's own HttpListener, so the silo needs no web server for it.
/// 3. The Orleans dashboard of Orleans 10 is ASP.NET Core endpoints (<c>MapOrleansDashboard</c>): a silo with the
///    dashboard on is built as a <see cref="WebApplication"/> whose Kestrel listens on the dashboard's address and
///    port only; without it the silo stays a plain host with no HTTP listener at all.
/// 4. Traces go to OTLP only (Prometheus has no traces); the step's span and its phases are the source
///    <see cref="TrainingTelemetry.Name"/>.
/// </summary>
public static class SiloTelemetry
{
    /// <summary>The flags of these settings (part of <see cref="SiloSettings.Flags"/>).</summary>
    public static IReadOnlyDictionary<string, string> Flags { get; } =
        new Dictionary<string, string>
        {
            ["--metrics-port"] = $"{MetricsOptions.Section}:PrometheusPort",
            ["--metrics-bind"] = $"{MetricsOptions.Section}:Bind",
            ["--otlp-endpoint"] = $"{MetricsOptions.Section}:OtlpEndpoint",
            ["--orleans-dashboard-port"] = $"{OrleansDashboardOptions.Section}:Port",
            ["--orleans-dashboard-bind"] = $"{OrleansDashboardOptions.Section}:Bind",
        };

    /// <summary>Every meter the silo exports.</summary>
    public static IReadOnlyList<string> Meters { get; } =
    [TrainingTelemetry.Name, RunMetrics.Name, SchedulerMetrics.Name, StorageMetrics.Name];

    /// <summary>The validated settings; <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> with
    /// every problem, or <see cref="ArgumentException"/> naming a value that is not a number.</summary>
    public static (MetricsOptions Metrics, OrleansDashboardOptions Dashboard) Read(IConfiguration configuration)
    {
        var metrics = Bind<MetricsOptions>(configuration, MetricsOptions.Section);
        var dashboard = Bind<OrleansDashboardOptions>(configuration, OrleansDashboardOptions.Section);
        OptionsValidators.ThrowIfInvalid(new MetricsOptionsValidator(), metrics);
        OptionsValidators.ThrowIfInvalid(new OrleansDashboardOptionsValidator(), dashboard);
        return (metrics, dashboard);
    }

    /// <summary>The OpenTelemetry SDK with the configured exporters (nothing when none is).</summary>
    public static void AddSaeiTelemetry(this IServiceCollection services, MetricsOptions options, string instance)
    {
        if (!options.Enabled)
            return;
        bool otlp = !string.IsNullOrWhiteSpace(options.OtlpEndpoint);
        var telemetry = services
            .AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("saei-silo", serviceInstanceId: instance))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. Meters]);
                if (options.PrometheusPort is { } port)
                {
                    string host = TelemetryBind.UrlHost(TelemetryBind.Parse(options.Bind)!, anyAsPlus: true);
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Host = host;
                        listener.Port = port;
                    });
                }
                if (otlp)
                    metrics.AddOtlpExporter(exporter => Otlp(exporter, options, "v1/metrics"));
            });
        if (otlp)
            telemetry.WithTracing(tracing =>
                tracing
                    .AddSource(TrainingTelemetry.Name)
                    .AddOtlpExporter(exporter => Otlp(exporter, options, "v1/traces"))
            );
    }

    /// <summary>A web host for the Orleans dashboard with the configuration of <paramref name="configured"/>, its
    /// Kestrel on the dashboard's address only (decision 3).</summary>
    public static WebApplicationBuilder DashboardHost(
        HostApplicationBuilder configured,
        OrleansDashboardOptions options
    )
    {
        var web = WebApplication.CreateBuilder(
            new WebApplicationOptions { Args = [], ContentRootPath = configured.Environment.ContentRootPath }
        );
        web.Configuration.Sources.Clear();
        foreach (var source in configured.Configuration.Sources)
            web.Configuration.Sources.Add(source);
        var address = TelemetryBind.Parse(options.Bind)!;
        web.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, options.Port!.Value));
        return web;
    }

    /// <summary>Adds the dashboard's grain services to the silo.</summary>
    public static ISiloBuilder AddSaeiOrleansDashboard(this ISiloBuilder silo) => silo.AddDashboard();

    /// <summary>Builds the web host and maps the dashboard at its root.</summary>
    public static WebApplication BuildWithDashboard(WebApplicationBuilder web)
    {
        var app = web.Build();
        app.MapOrleansDashboard();
        return app;
    }

    private static void Otlp(OtlpExporterOptions exporter, MetricsOptions options, string signalPath)
    {
        var endpoint = new Uri(options.OtlpEndpoint!);
        bool http = options.OtlpProtocol == "http/protobuf";
        exporter.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        // Set in code, an http/protobuf endpoint is used as given: a bare collector URL gets the signal's path.
        exporter.Endpoint = http && endpoint.AbsolutePath == "/" ? new Uri(endpoint, signalPath) : endpoint;
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key ("Failed to convert configuration value at 'Saei:Metrics:PrometheusPort'").
            throw new ArgumentException($"{e.Message} Set a whole number (ports: 1..65535) or true/false.", e);
        }
    }
}
