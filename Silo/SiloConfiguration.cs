using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Orleans.Configuration;
using SaEI.Grains.Storage;

namespace SaEI.Silo;

/// <summary>How a SaEI silo is wired to Azure Storage: blob grain state, table reminders and (multi-silo) clustering.</summary>
public static class SiloConfiguration
{
    /// <summary>Grain storage (Azure Blob) and reminders (Azure Table) on the given account.</summary>
    public static ISiloBuilder AddSaeiStorage(this ISiloBuilder silo, string connectionString)
    {
        silo.AddAzureBlobGrainStorage(StorageNames.GrainState, options =>
        {
            options.BlobServiceClient = new BlobServiceClient(connectionString);
            options.ContainerName = StorageNames.GrainStateContainer;
        });
        silo.UseAzureTableReminderService(options => options.TableServiceClient = new TableServiceClient(connectionString));
        return silo;
    }

    /// <summary>Azure Table clustering, for several silo processes that find each other through storage.</summary>
    public static ISiloBuilder UseSaeiClustering(this ISiloBuilder silo, string connectionString, string clusterId, int siloPort, int gatewayPort)
    {
        silo.UseAzureStorageClustering(options => options.TableServiceClient = new TableServiceClient(connectionString));
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = clusterId;
            options.ServiceId = "saei";
        });
        silo.ConfigureEndpoints(System.Net.IPAddress.Loopback, siloPort, gatewayPort);
        return silo;
    }
}
