using Azure;

namespace SaEI.Grains.Storage;

/// <summary>The precondition of a write: overwrite, create only, or replace only the version the caller read.</summary>
public sealed record WriteCondition
{
    private WriteCondition(ETag? ifMatch, bool ifAbsent)
    {
        IfMatch = ifMatch;
        IfAbsent = ifAbsent;
    }

    /// <summary>When set, the write succeeds only if the blob's current ETag equals it (If-Match).</summary>
    public ETag? IfMatch { get; }

    /// <summary>When true, the write succeeds only if no blob exists at the path (If-None-Match: *).</summary>
    public bool IfAbsent { get; }

    /// <summary>Unconditional write: only for content that is safe to replace (e.g. checkpoint files before their
    /// manifest).</summary>
    public static WriteCondition Overwrite { get; } = new(null, false);

    /// <summary>Create the blob only if it does not exist yet.</summary>
    public static WriteCondition CreateOnly { get; } = new(null, true);

    /// <summary>Replace the blob only if it still has <paramref name="etag"/>.</summary>
    public static WriteCondition Matching(ETag etag) => new(etag, false);
}

/// <summary>The outcome of a write: <see cref="Written"/> or <see cref="Conflict"/> (the precondition
/// failed).</summary>
public abstract record BlobWriteResult(string Path)
{
    public sealed record Written(string Path, ETag ETag) : BlobWriteResult(Path);

    /// <summary>The ETag did not match, or the blob exists under <see cref="WriteCondition.CreateOnly"/>: re-read,
    /// never overwrite.</summary>
    public sealed record Conflict(string Path) : BlobWriteResult(Path);
}

/// <summary>The outcome of a read: <see cref="Found"/> with the content and its ETag, or <see
/// cref="NotFound"/>.</summary>
public abstract record BlobReadResult(string Path)
{
    public sealed record Found(string Path, BinaryData Content, ETag ETag) : BlobReadResult(Path);

    public sealed record NotFound(string Path) : BlobReadResult(Path);
}

/// <summary>The outcome of a delete.</summary>
public enum BlobDeleteResult
{
    Deleted,
    NotFound,

    /// <summary>The blob exists with another ETag than the one given.</summary>
    Conflict,
}

/// <summary>What a listing or a properties call knows about one blob. <see cref="ContentMd5"/> is null when the
/// service has none (blobs uploaded in blocks).</summary>
public sealed record BlobInfo(string Path, long Size, ETag ETag, byte[]? ContentMd5, DateTimeOffset LastModified);

/// <summary>
/// Storage did not answer within the retry budget, or the circuit is open, or it refused the request for a reason no
/// retry fixes (e.g. 403). The message names the operation, the blob path, the attempts and what to check.
/// </summary>
public sealed class BlobStoreUnavailableException(
    string operation,
    string path,
    int attempts,
    string message,
    Exception? inner
) : Exception(message, inner)
{
    public string Operation { get; } = operation;
    public string Path { get; } = path;
    public int Attempts { get; } = attempts;
}
