namespace SaEI.Grains.Storage;

/// <summary>
/// The connection string of the local Azurite started by infra/azurite.sh. Azurite's account key is public and
/// documented; production connection strings come only from configuration or environment (SAEI_STORAGE).
/// </summary>
public static class LocalStorage
{
    /// <summary>Environment variable that overrides the storage connection string everywhere.</summary>
    public const string ConnectionStringVariable = "SAEI_STORAGE";

    private const string AzuriteAccount = "devstoreaccount1";
    private const string AzuriteKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Azurite on loopback, with ports from SAEI_AZURITE_{BLOB,QUEUE,TABLE}_PORT (defaults
    /// 10000–10002).</summary>
    public static string AzuriteConnectionString()
    {
        int blob = Port("SAEI_AZURITE_BLOB_PORT", 10000);
        int queue = Port("SAEI_AZURITE_QUEUE_PORT", 10001);
        int table = Port("SAEI_AZURITE_TABLE_PORT", 10002);
        return $"DefaultEndpointsProtocol=http;AccountName={AzuriteAccount};AccountKey={AzuriteKey};"
            + $"BlobEndpoint=http://127.0.0.1:{blob}/{AzuriteAccount};"
            + $"QueueEndpoint=http://127.0.0.1:{queue}/{AzuriteAccount};"
            + $"TableEndpoint=http://127.0.0.1:{table}/{AzuriteAccount};";
    }

    /// <summary>SAEI_STORAGE when set, else the local Azurite.</summary>
    public static string ResolveConnectionString()
    {
        string? configured = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        return string.IsNullOrWhiteSpace(configured) ? AzuriteConnectionString() : configured;
    }

    private static int Port(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out int port) && port is > 0 and < 65536
            ? port
            : fallback;
}
