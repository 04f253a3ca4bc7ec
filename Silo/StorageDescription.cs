namespace SaEI.Silo;

/// <summary>
/// A storage connection string as it may be logged: the account name and the blob endpoint, never the key, a SAS or
/// a user name and password written into an endpoint URL (https://user:pass@host).
/// </summary>
public static class StorageDescription
{
    public static string Redact(string connectionString)
    {
        // Later duplicates win here only for the description; StorageCheck.Validate refuses them before a silo starts.
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pair = part.Split('=', 2);
            if (pair.Length == 2)
                parts[pair[0].Trim()] = pair[1].Trim();
        }
        string account = parts.GetValueOrDefault("AccountName", "?");
        string endpoint =
            parts.GetValueOrDefault("BlobEndpoint")
            ?? $"https://{account}.blob.{parts.GetValueOrDefault("EndpointSuffix", "core.windows.net")}";
        return $"account {account} at {RedactEndpoint(endpoint)}";
    }

    /// <summary>An endpoint URL without its query (a SAS) and without user information (a password).</summary>
    public static string RedactEndpoint(string endpoint)
    {
        int query = endpoint.IndexOf('?');
        string withoutQuery = query >= 0 ? endpoint[..query] : endpoint;
        if (!Uri.TryCreate(withoutQuery, UriKind.Absolute, out var uri))
            return withoutQuery.Contains('@', StringComparison.Ordinal)
                ? "(an endpoint that is not a valid URL)"
                : withoutQuery;
        if (uri.UserInfo.Length == 0)
            return withoutQuery;
        return new UriBuilder(uri) { UserName = "", Password = "" }
                .Uri.ToString()
                .TrimEnd('/') + (withoutQuery.EndsWith('/') ? "/" : "");
    }
}
