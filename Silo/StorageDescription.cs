namespace SaEI.Silo;

/// <summary>
/// A storage connection string as it may be logged: the account name and the blob endpoint, never the key or a SAS.
/// </summary>
public static class StorageDescription
{
    public static string Redact(string connectionString)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        string account = parts.GetValueOrDefault("AccountName", "?");
        string endpoint = parts.GetValueOrDefault("BlobEndpoint") ?? $"https://{account}.blob.{parts.GetValueOrDefault("EndpointSuffix", "core.windows.net")}";
        int query = endpoint.IndexOf('?');
        return $"account {account} at {(query >= 0 ? endpoint[..query] : endpoint)}";
    }
}
