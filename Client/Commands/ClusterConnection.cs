using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>
/// Connects the client verbs to a running cluster (<see cref="ClusterTarget"/>): `--cluster-id ID` (or
/// Saei__ClusterId) finds the silos through Azure Table storage (Saei__Storage, default Azurite); otherwise the local
/// silo's gateway (`--gateway-port`, default 30000). `--tls-cert FILE --tls-ca FILE` (or Saei__Tls__Certificate,
/// Saei__Tls__TrustedCa; the key's password in SAEI_TLS_PASSWORD) for a cluster with mutual TLS. It gives up after
/// `--timeout` seconds (default <see cref="DefaultTimeoutSeconds"/>) with a <see cref="UserFacingException"/>; Orleans'
/// own warnings go to stderr, one line each. Disposing it disconnects.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>
    /// Seconds to wait for the cluster when --timeout is not given. Counted from the process start when run from
    /// the command line (see <see cref="CountFrom"/>), so the whole verb, as `time` measures it, gives up within
    /// about 9 s even on a loaded machine whose runtime start takes seconds.
    /// </summary>
    public const int DefaultTimeoutSeconds = 8;

    /// <summary>The longest start-up the deadline absorbs; a longer one still leaves the rest of --timeout.</summary>
    private static readonly TimeSpan MaximumStartupCredit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When the verb started, as the user sees it: the command line sets it to the process start (in this async flow
    /// only); a verb called directly (tests) counts from its own call.
    /// </summary>
    public static AsyncLocal<DateTime?> CountFrom { get; } = new();

    /// <summary>The shortest a single request may wait once connected (Orleans' default response timeout).</summary>
    private static readonly TimeSpan MinimumResponseTimeout = TimeSpan.FromSeconds(30);

    private readonly IHost host;

    private ClusterConnection(IHost host) => this.host = host;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects to <paramref name="target"/>; the Orleans client's warnings go to <paramref
    /// name="error"/>.</summary>
    public static async Task<ClusterConnection> ConnectAsync(
        ClusterTarget target,
        TextWriter error,
        CancellationToken cancellation
    )
    {
        string? clusterId = target.ClusterId;
        int gatewayPort = target.GatewayPort;
        var timeout = TimeSpan.FromSeconds(target.TimeoutSeconds);
        var tls = LoadTls(target);
        string? storage = null;
        if (clusterId is not null)
        {
            // The silos are found through storage: a wrong key or a storage outage is named as such, not as "no silo".
            storage = target.Storage;
            if (await StorageCheck.CheckAsync(storage, Remaining(timeout), cancellation) is { } problem)
                throw new UserFacingException($"cannot look up cluster '{clusterId}': {problem}");
        }
        else if (!await AnyoneListensAsync(gatewayPort, Remaining(timeout), cancellation))
        {
            // Nothing listens: say so at once instead of letting the Orleans client retry until the deadline.
            throw new UserFacingException(
                $"cannot reach the local silo's gateway on port {gatewayPort} (nothing listens there); "
                    + "start one with `saei silo`, or pass --cluster-id / --gateway-port."
            );
        }
        var host = BuildHost(clusterId, storage, gatewayPort, timeout, tls, error);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(Remaining(timeout));
        try
        {
            await host.StartAsync(deadline.Token).WaitAsync(deadline.Token);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            Abandon(host);
            string where = clusterId is null
                ? $"the local silo's gateway on port {gatewayPort}"
                : $"cluster '{clusterId}'";
            string why =
                e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : Innermost(e).Message;
            string tlsHint = tls is null
                ? " If the cluster uses TLS, pass --tls-cert and --tls-ca (or Saei__Tls__Certificate, "
                    + "Saei__Tls__TrustedCa)."
                : " If it is up, check that its CA signed --tls-cert and that --tls-ca is the CA that signed the "
                    + "silo's certificate.";
            throw new UserFacingException(
                $"cannot reach {where} ({why}); start one with `saei silo`, or pass --cluster-id / --gateway-port, "
                    + $"or --timeout SECONDS to wait longer.{tlsHint}",
                e
            );
        }
        catch (OperationCanceledException)
        {
            Abandon(host);
            throw;
        }
        return new ClusterConnection(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>The client host: Orleans client, one-line stderr logging, no console lifetime.</summary>
    private static IHost BuildHost(
        string? clusterId,
        string? storage,
        int gatewayPort,
        TimeSpan timeout,
        MutualTls? tls,
        TextWriter error
    )
    {
        var builder = Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory }
        );
        ClientLogging.Configure(builder.Logging, error);
        // The command line owns Ctrl-C (exit 130) and process exit; the console lifetime would take SIGINT and hold
        // the exit of a verb whose connection failed until the half-started host stopped.
        builder.Services.AddSingleton<IHostLifetime, VerbLifetime>();
        builder.UseOrleansClient(client =>
        {
            if (clusterId is not null && storage is not null)
            {
                client.UseAzureStorageClustering(options =>
                    options.TableServiceClient = new TableServiceClient(storage)
                );
                client.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = SiloConfiguration.ServiceIdOf(clusterId);
                });
            }
            else
            {
                client.UseLocalhostClustering(gatewayPort, serviceId: SiloConfiguration.LocalServiceIdOf(gatewayPort));
            }
            client.Configure<ClientMessagingOptions>(options =>
                options.ResponseTimeout = timeout > MinimumResponseTimeout ? timeout : MinimumResponseTimeout
            );
            if (tls is not null)
                client.UseTls(tls.Certificate, tls.Configure);
        });
        return builder.Build();
    }

    private static MutualTls? LoadTls(ClusterTarget target)
    {
        try
        {
            return TlsSettings.From(target.TlsCertificate, target.TlsCa, thumbprints: null, password: null)?.Load();
        }
        catch (ArgumentException e)
        {
            throw new UserFacingException(e.Message, e);
        }
    }

    /// <summary>
    /// False when a connection to the loopback gateway port is refused (no silo); true when it is accepted or the probe
    /// cannot tell within <paramref name="wait"/> (then the Orleans client's own connect decides, under the deadline).
    /// </summary>
    private static async Task<bool> AnyoneListensAsync(int gatewayPort, TimeSpan wait, CancellationToken cancellation)
    {
        using var probe = new System.Net.Sockets.TcpClient();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bounded.CancelAfter(wait);
        try
        {
            await probe.ConnectAsync(System.Net.IPAddress.Loopback, gatewayPort, bounded.Token);
            return true;
        }
        catch (System.Net.Sockets.SocketException e)
            when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused)
        {
            return false;
        }
        catch (Exception e)
            when (e is System.Net.Sockets.SocketException
                || (e is OperationCanceledException && !cancellation.IsCancellationRequested)
            )
        {
            return true;
        }
    }

    /// <summary>The wait left of <paramref name="timeout"/> after the start-up already spent (at least 1 s).</summary>
    private static TimeSpan Remaining(TimeSpan timeout)
    {
        var spent = CountFrom.Value is { } start ? DateTime.UtcNow - start : TimeSpan.Zero;
        if (spent < TimeSpan.Zero)
            spent = TimeSpan.Zero;
        if (spent > MaximumStartupCredit)
            spent = MaximumStartupCredit;
        var remaining = timeout - spent;
        return remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
    }

    /// <summary>
    /// Disposes a host whose start failed or timed out in the background: a disposal stuck on a half-open connection
    /// must not hold the verb, and nothing was connected that needs a goodbye.
    /// </summary>
    private static void Abandon(IHost host) =>
        _ = Task.Run(() =>
        {
            try
            {
                host.Dispose();
            }
            catch (Exception e)
                when (e
                        is ObjectDisposedException
                            or OperationCanceledException
                            or AggregateException
                            or InvalidOperationException
                )
            {
                // Disposal of a host that never started may trip over its own half-built services; nothing is lost.
            }
        });

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    /// <summary>A host lifetime that neither handles signals nor waits for process exit.</summary>
    private sealed class VerbLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
