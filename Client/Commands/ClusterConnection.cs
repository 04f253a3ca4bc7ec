using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using SaEI.Grains.Storage;

namespace SaEI.Client.Commands;

/// <summary>
/// Connects the client verbs to a running cluster: `--cluster-id ID` (or SAEI_CLUSTER_ID) finds the silos through
/// Azure Table storage (SAEI_STORAGE, default Azurite); otherwise the local silo's gateway (`--gateway-port`, default
/// 30000). Disposing it disconnects.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost host;

    private ClusterConnection(IHost host) => this.host = host;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public static async Task<ClusterConnection> ConnectAsync(VerbArguments arguments, CancellationToken cancellation)
    {
        string? clusterId = arguments.Option("--cluster-id") ?? Environment.GetEnvironmentVariable("SAEI_CLUSTER_ID");
        int gatewayPort = arguments.IntOption("--gateway-port") ?? 30000;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
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
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            string where = clusterId is null ? $"the local silo's gateway on port {gatewayPort}" : $"cluster '{clusterId}'";
            throw new UserFacingException($"cannot reach {where} ({e.Message}); start one with `saei silo` (or pass --cluster-id / --gateway-port).", e);
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
}
