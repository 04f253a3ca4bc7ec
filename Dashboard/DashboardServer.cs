using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SaEI.Grains.Storage;

namespace SaEI.Dashboard;

/// <summary>
/// The dashboard's web server: Kestrel on <see cref="DashboardOptions.Bind"/>:<see cref="DashboardOptions.Port"/>,
/// serving docs/dashboard.md over a grain factory (the `saei dashboard` client's, or a control silo's own) and the
/// data container. Started by <see cref="StartAsync"/>; disposing stops it.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private DashboardServer(WebApplication app, Uri address, string token, bool tokenGenerated)
    {
        this.app = app;
        Address = address;
        Token = token;
        TokenGenerated = tokenGenerated;
    }

    /// <summary>The base URL (http://127.0.0.1:PORT/), with the port Kestrel bound when 0 was asked for.</summary>
    public Uri Address { get; }

    /// <summary>The actions token.</summary>
    public string Token { get; }

    /// <summary>True when no token was given and <see cref="Token"/> was generated at start.</summary>
    public bool TokenGenerated { get; }

    /// <summary>The line printed at start: the URL and the token, or where the token came from.</summary>
    public string StartLine =>
        $"dashboard: {Address} (actions token: "
        + (TokenGenerated ? Token : $"from {DashboardOptions.TokenVariable} or the configuration")
        + ")";

    /// <summary>Validates <paramref name="options"/> (throws <see cref="ArgumentException"/> with every problem), then
    /// starts Kestrel. <paramref name="loggers"/>: where the server logs (the host's), or nowhere.</summary>
    public static async Task<DashboardServer> StartAsync(
        DashboardOptions options,
        IGrainFactory grains,
        ResilientBlobStore blobs,
        ILoggerFactory? loggers = null,
        TimeProvider? time = null,
        CancellationToken cancellation = default
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        string? given = DashboardOptions.GivenToken(options.Token);
        var checkedOptions = options with { Token = given };
        if (checkedOptions.Problems(tokenGiven: given is not null) is { Count: > 0 } problems)
            throw new ArgumentException(string.Join(" ", problems));
        string token = given ?? DashboardOptions.NewToken();
        var builder = WebApplication.CreateSlimBuilder(
            new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory }
        );
        builder.Logging.ClearProviders();
        if (loggers is not null)
            builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = DashboardSecurity.MaxBodyBytes;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Listen(options.Bind, options.Port);
        });
        var app = builder.Build();
        app.UseMiddleware<DashboardSecurity>();
        app.UseRouting();
        var data = new DashboardData(grains, blobs, time ?? TimeProvider.System, options.CacheTtl);
        DashboardApi.Map(app, data, token);
        await app.StartAsync(cancellation);
        var bound = app
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.Select(a => new Uri(a))
            .First();
        string host =
            options.Bind.Equals(IPAddress.Any) || options.Bind.Equals(IPAddress.IPv6Any)
                ? Dns.GetHostName()
                : bound.Host;
        return new DashboardServer(app, new UriBuilder("http", host, bound.Port, "/").Uri, token, given is null);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
