using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>
/// Connects the client verbs to a running cluster: `--cluster-id ID` (or SAEI_CLUSTER_ID) finds the silos through
/// Azure Table storage (SAEI_STORAGE, default Azurite); otherwise the local silo's gateway (`--gateway-port`, default
/// 30000). `--tls-cert FILE --tls-ca FILE` (or SAEI_TLS_CERT, SAEI_TLS_CA, SAEI_TLS_PASSWORD) for a cluster with
/// mutual TLS. It gives up after `--timeout` seconds (default <see cref="DefaultTimeoutSeconds"/>) with a
/// <see cref="UserFacingException"/>; Orleans' own warnings go to stderr, one line each. Disposing it disconnects.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>
    /// Seconds to wait for the cluster when --timeout is not given: with the runtime's start-up the whole verb gives
    /// up within 10 s.
    /// </summary>
    public const int DefaultTimeoutSeconds = 8;

    /// <summary>The shortest a single request may wait once connected (Orleans' default response timeout).</summary>
    private static readonly TimeSpan MinimumResponseTimeout = TimeSpan.FromSeconds(30);

    private readonly IHost host;

    private ClusterConnection(IHost host) => this.host = host;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public static async Task<ClusterConnection> ConnectAsync(VerbArguments arguments, CancellationToken cancellation)
    {
        string? clusterId = arguments.Option("--cluster-id") ?? Environment.GetEnvironmentVariable("SAEI_CLUSTER_ID");
        int gatewayPort = arguments.IntOption("--gateway-port") ?? 30000;
        var timeout = TimeSpan.FromSeconds(arguments.IntOption("--timeout") ?? DefaultTimeoutSeconds);
        var tls = LoadTls(arguments);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        ClientLogging.Configure(builder.Logging, Console.Error);
        builder.UseOrleansClient(client =>
        {
            if (clusterId is not null)
            {
                string storage = LocalStorage.ResolveConnectionString();
                client.UseAzureStorageClustering(options => options.TableServiceClient = new TableServiceClient(storage));
                client.Configure<ClusterOptions>(options => { options.ClusterId = clusterId; options.ServiceId = "saei"; });
            }
            else
            {
                client.UseLocalhostClustering(gatewayPort);
            }
            client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = timeout > MinimumResponseTimeout ? timeout : MinimumResponseTimeout);
            if (tls is not null) client.UseTls(tls.Certificate, tls.Configure);
        });
        var host = builder.Build();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            await host.StartAsync(deadline.Token).WaitAsync(deadline.Token);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            await AbandonAsync(host);
            string where = clusterId is null ? $"the local silo's gateway on port {gatewayPort}" : $"cluster '{clusterId}'";
            string why = e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : Innermost(e).Message;
            string tlsHint = tls is null ? " If the cluster uses TLS, pass --tls-cert and --tls-ca (or SAEI_TLS_CERT, SAEI_TLS_CA)."
                : " If it is up, check that its CA signed --tls-cert and that --tls-ca is the CA that signed the silo's certificate.";
            throw new UserFacingException($"cannot reach {where} ({why}); start one with `saei silo`, or pass --cluster-id / --gateway-port, or --timeout SECONDS to wait longer.{tlsHint}", e);
        }
        catch (OperationCanceledException)
        {
            await AbandonAsync(host);
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

    private static MutualTls? LoadTls(VerbArguments arguments)
    {
        try
        {
            return TlsSettings.From(arguments.Option("--tls-cert"), arguments.Option("--tls-ca"), thumbprints: null, password: null)?.Load();
        }
        catch (ArgumentException e)
        {
            throw new UserFacingException(e.Message, e);
        }
    }

    /// <summary>Disposes a host whose start failed or timed out, without letting a stuck disposal hold the verb.</summary>
    private static async Task AbandonAsync(IHost host)
    {
        try
        {
            await Task.Run(host.Dispose).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // Nothing was connected; the process is about to report the failure and exit.
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
