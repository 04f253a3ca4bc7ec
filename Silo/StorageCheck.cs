using Azure;
using Azure.Storage.Blobs;
using SaEI.Grains.Storage;

namespace SaEI.Silo;

/// <summary>
/// Checks the storage connection string before a silo starts: its form (no malformed part, no duplicated key) and
/// one authenticated call in bounded time. Without it a wrong account key makes the silo retry 403s forever, and a
/// malformed string fails deep inside Orleans' start with a stack trace. Messages name Saei:Storage and never
/// contain the key, a SAS or a password (see <see cref="StorageDescription"/>).
/// </summary>
public static class StorageCheck
{
    /// <summary>Where the connection string comes from, as the messages name it.</summary>
    public const string Setting = "Saei:Storage (Saei__Storage; old: " + LocalStorage.ConnectionStringVariable + ")";

    /// <summary>Null when the connection string is well formed, else what is wrong (without any secret
    /// value).</summary>
    public static string? Validate(string connectionString)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int index = 0;
        foreach (string part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            index++;
            if (part.Trim().Length == 0)
                continue;
            string[] pair = part.Split('=', 2);
            if (pair.Length != 2 || pair[0].Trim().Length == 0)
                return $"{Setting} is malformed: part {index} is not 'Key=value'; give a connection string like "
                    + $"'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.ne"
                    + $"t'.";
            if (!seen.Add(pair[0].Trim()))
                return $"{Setting} is malformed: the key '{pair[0].Trim()}' appears more than once; keep one.";
        }
        try
        {
            _ = new BlobServiceClient(connectionString);
            return null;
        }
        catch (Exception e)
            when (e is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            // The SDK's message names the part it could not read, never its value.
            return $"{Setting} is malformed ({e.GetType().Name}: {e.Message}); give an Azure Storage connection "
                + $"string.";
        }
    }

    /// <summary>
    /// Null when one authenticated call to the blob service answers within <paramref name="timeout"/>, else a message
    /// naming the account (redacted), what went wrong and what to set.
    /// </summary>
    public static async Task<string?> CheckAsync(
        string connectionString,
        TimeSpan timeout,
        CancellationToken cancellation = default
    )
    {
        if (Validate(connectionString) is { } malformed)
            return malformed;
        string where = StorageDescription.Redact(connectionString);
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.NetworkTimeout = timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            // Listing one container needs the account's credentials (a 403 on a wrong key), and nothing is created.
            var containers = new BlobServiceClient(connectionString, options)
                .GetBlobContainersAsync(cancellationToken: deadline.Token)
                .AsPages(pageSizeHint: 1);
            await foreach (var _ in containers)
                break;
            return null;
        }
        catch (RequestFailedException e) when (e.Status is 401 or 403)
        {
            return $"storage {where} refused the credentials (HTTP {e.Status} {e.ErrorCode}); check the account key "
                + $"or SAS in {Setting}.";
        }
        catch (RequestFailedException e)
        {
            return $"storage {where} answered HTTP {e.Status} {e.ErrorCode}; check {Setting}.";
        }
        catch (Exception e)
            when (e is OperationCanceledException or AggregateException or HttpRequestException
                && !cancellation.IsCancellationRequested
            )
        {
            return $"storage {where} did not answer within {timeout.TotalSeconds:0} s ({Innermost(e).Message}); "
                + $"start the local one with `infra/azurite.sh start` or set {Setting} to a reachable account.";
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
