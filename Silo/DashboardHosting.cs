using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SaEI.Dashboard;
using SaEI.Grains.Storage;

namespace SaEI.Silo;

/// <summary>
/// "Saei:Dashboard": a control (or all-role) silo that serves the web dashboard itself (docs/dashboard.md), e.g.
/// Saei__Dashboard__Port=8480. Off unless Port is set.
/// </summary>
public sealed class DashboardSiloOptions
{
    public const string Section = DashboardOptions.Section;

    /// <summary>The dashboard's TCP port (0: any free port); null (default): no dashboard.</summary>
    public int? Port { get; set; }

    /// <summary>The address to listen on. Default 127.0.0.1; another address needs a token.</summary>
    public string? Bind { get; set; }

    /// <summary>The actions token; default SAEI_DASHBOARD_TOKEN, else one generated and logged at start.</summary>
    public string? Token { get; set; }

    /// <summary>The silo's role, copied from Saei:Role for the validator (a gpu silo does not serve pages).</summary>
    public SiloRole Role { get; set; } = SiloRole.All;
}

/// <summary>Starts the dashboard after the silo (it calls grains) and stops it before.</summary>
public sealed partial class DashboardHostedService(
    IOptions<DashboardSiloOptions> options,
    IGrainFactory grains,
    ResilientBlobStore blobs,
    ILoggerFactory loggers,
    TimeProvider time
) : IHostedService
{
    private readonly ILogger logger = loggers.CreateLogger("SaEI.Dashboard");

    /// <summary>The running server (null before start and after stop).</summary>
    public DashboardServer? Server { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Port is not { } port)
            return;
        var dashboard = new DashboardOptions
        {
            Port = port,
            Bind = DashboardOptionsValidator.ParseBind(settings.Bind) ?? IPAddress.Loopback,
            Token = settings.Token,
        };
        Server = await DashboardServer.StartAsync(dashboard, grains, blobs, loggers, time, cancellationToken);
        LogStarted(Server.StartLine);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Server is null)
            return;
        await Server.DisposeAsync();
        Server = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{StartLine}")]
    private partial void LogStarted(string startLine);
}

/// <summary>Registration of the silo-hosted dashboard.</summary>
public static class DashboardHosting
{
    /// <summary>Adds the dashboard when Saei:Dashboard:Port is set; validated at start (bad values stop the silo).
    /// </summary>
    public static void AddSaeiDashboard(this IServiceCollection services, IConfiguration configuration, SiloRole role)
    {
        var section = configuration.GetSection(DashboardSiloOptions.Section);
        if (section["Port"] is null)
            return;
        services.AddSingleton<IValidateOptions<DashboardSiloOptions>, DashboardOptionsValidator>();
        services.AddOptions<DashboardSiloOptions>().Bind(section).Configure(o => o.Role = role).ValidateOnStart();
        services.AddSingleton<DashboardHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardHostedService>());
    }
}
