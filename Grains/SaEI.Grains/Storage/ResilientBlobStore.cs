using System.Net.Sockets;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace SaEI.Grains.Storage;

/// <summary>
/// One blob container behind a Polly pipeline: every call runs through retry (exponential backoff with jitter, on
/// network errors, 408, 429, 5xx and attempt timeouts) → circuit breaker → per-attempt timeout.
/// Decisions:
/// 1. The Azure SDK's own retries are turned off (<see cref="ClientOptions"/>) so the retry count is Polly's alone.
/// 2. Expected outcomes (404, 409/412 on a conditional write) are results, decided inside the attempt, so they
///    neither retry nor count as breaker failures.
/// 3. A conditional write retried after a lost response may answer Conflict although the first attempt succeeded;
///    callers that need exactly-once re-read and compare (see <see cref="CheckpointStore"/>).
/// 4. Large files move in blocks (<see cref="UploadFileAsync"/>, <see cref="DownloadFileAsync"/>), each block its
///    own attempt, so a failure retries one block, not the file.
/// 5. When retries run out or the circuit is open, <see cref="BlobStoreUnavailableException"/> names the operation,
///    the path, the attempts and what to check.
/// </summary>
public sealed partial class ResilientBlobStore
{
    private readonly BlobContainerClient container;
    private readonly ResiliencePipeline pipeline;
    private readonly ILogger logger;

    public ResilientBlobStore(
        BlobContainerClient container,
        BlobStoreOptions? options = null,
        TimeProvider? time = null,
        ILogger? logger = null
    )
    {
        this.container = container;
        Options = (options ?? new BlobStoreOptions()).ThrowIfInvalid();
        this.logger = logger ?? NullLogger.Instance;
        pipeline = BuildPipeline(Options, time ?? TimeProvider.System);
        StorageMetrics.Register();
    }

    public BlobStoreOptions Options { get; }

    /// <summary>The container's URI (for messages).</summary>
    public Uri Uri => container.Uri;

    /// <summary>A store on <paramref name="containerName"/> with the SDK's retries off and <paramref name="transport"/>
    /// (tests inject failures through it).</summary>
    public static ResilientBlobStore Connect(
        string connectionString,
        string containerName,
        BlobStoreOptions? options = null,
        TimeProvider? time = null,
        ILogger? logger = null,
        HttpPipelineTransport? transport = null
    )
    {
        options ??= new BlobStoreOptions();
        var service = new BlobServiceClient(connectionString, ClientOptions(options, transport));
        return new ResilientBlobStore(service.GetBlobContainerClient(containerName), options, time, logger);
    }

    /// <summary>SDK options that leave retrying to Polly: no SDK retries, network timeout = attempt timeout.</summary>
    public static BlobClientOptions ClientOptions(BlobStoreOptions options, HttpPipelineTransport? transport = null)
    {
        var client = new BlobClientOptions();
        client.Retry.MaxRetries = 0;
        client.Retry.NetworkTimeout = options.AttemptTimeout;
        if (transport is not null)
            client.Transport = transport;
        return client;
    }

    /// <summary>Creates the container when missing.</summary>
    public Task EnsureContainerAsync(CancellationToken cancellation = default) =>
        RunAsync(
            "create container",
            "",
            async ct =>
            {
                await container.CreateIfNotExistsAsync(cancellationToken: ct);
                return true;
            },
            cancellation
        );

    /// <summary>Writes <paramref name="content"/> under <paramref name="condition"/>; Conflict when the precondition
    /// fails.</summary>
    public Task<BlobWriteResult> WriteAsync(
        string path,
        BinaryData content,
        WriteCondition condition,
        CancellationToken cancellation = default
    ) =>
        RunAsync<BlobWriteResult>(
            "write",
            path,
            async ct =>
            {
                var upload = new BlobUploadOptions
                {
                    Conditions =
                        condition.IfAbsent ? new BlobRequestConditions { IfNoneMatch = ETag.All }
                        : condition.IfMatch is { } etag ? new BlobRequestConditions { IfMatch = etag }
                        : null,
                    // The service checks each request's MD5 against the body: a corrupted transfer fails, is retried.
                    TransferValidation = new UploadTransferValidationOptions
                    {
                        ChecksumAlgorithm = StorageChecksumAlgorithm.MD5,
                    },
                };
                try
                {
                    var response = await container.GetBlobClient(path).UploadAsync(content, upload, ct);
                    return new BlobWriteResult.Written(path, response.Value.ETag);
                }
                catch (RequestFailedException e)
                    when (e.Status is 409 or 412 && (condition.IfAbsent || condition.IfMatch is not null))
                {
                    return new BlobWriteResult.Conflict(path);
                }
            },
            cancellation
        );

    /// <summary>Reads the whole blob with its ETag, or NotFound.</summary>
    public Task<BlobReadResult> ReadAsync(string path, CancellationToken cancellation = default) =>
        RunAsync<BlobReadResult>(
            "read",
            path,
            async ct =>
            {
                try
                {
                    var response = await container.GetBlobClient(path).DownloadContentAsync(ct);
                    return new BlobReadResult.Found(path, response.Value.Content, response.Value.Details.ETag);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    return new BlobReadResult.NotFound(path);
                }
            },
            cancellation
        );

    /// <summary>Size, ETag and MD5 of one blob, or null when it does not exist.</summary>
    public Task<BlobInfo?> GetInfoAsync(string path, CancellationToken cancellation = default) =>
        RunAsync(
            "get properties",
            path,
            async ct =>
            {
                try
                {
                    var p = (await container.GetBlobClient(path).GetPropertiesAsync(cancellationToken: ct)).Value;
                    return new BlobInfo(
                        path,
                        p.ContentLength,
                        p.ETag,
                        p.ContentHash is { Length: > 0 } md5 ? md5 : null,
                        p.LastModified
                    );
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    return (BlobInfo?)null;
                }
            },
            cancellation
        );

    /// <summary>Every blob whose path starts with <paramref name="prefix"/>, in path order.</summary>
    public Task<IReadOnlyList<BlobInfo>> ListAsync(string prefix, CancellationToken cancellation = default) =>
        RunAsync<IReadOnlyList<BlobInfo>>(
            "list",
            prefix,
            async ct =>
            {
                var blobs = new List<BlobInfo>();
                await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct))
                {
                    var p = item.Properties;
                    blobs.Add(
                        new BlobInfo(
                            item.Name,
                            p.ContentLength ?? 0,
                            p.ETag ?? default,
                            p.ContentHash is { Length: > 0 } md5 ? md5 : null,
                            p.LastModified ?? DateTimeOffset.MinValue
                        )
                    );
                }
                return blobs.OrderBy(b => b.Path, StringComparer.Ordinal).ToList();
            },
            cancellation
        );

    /// <summary>The immediate sub-folders of <paramref name="prefix"/> (which should end with '/'), as names without
    /// slashes.</summary>
    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellation = default) =>
        RunAsync<IReadOnlyList<string>>(
            "list folders",
            prefix,
            async ct =>
            {
                var folders = new List<string>();
                await foreach (
                    var item in container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, ct)
                )
                    if (item.IsPrefix)
                        folders.Add(item.Prefix[prefix.Length..].TrimEnd('/'));
                return folders.OrderBy(f => f, StringComparer.Ordinal).ToList();
            },
            cancellation
        );

    /// <summary>Deletes the blob (only if it still has <paramref name="ifMatch"/>, when given).</summary>
    public Task<BlobDeleteResult> DeleteAsync(
        string path,
        ETag? ifMatch = null,
        CancellationToken cancellation = default
    ) =>
        RunAsync(
            "delete",
            path,
            async ct =>
            {
                try
                {
                    var conditions = ifMatch is { } etag ? new BlobRequestConditions { IfMatch = etag } : null;
                    await container
                        .GetBlobClient(path)
                        .DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, ct);
                    return BlobDeleteResult.Deleted;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    return BlobDeleteResult.NotFound;
                }
                catch (RequestFailedException e) when (e.Status == 412)
                {
                    return BlobDeleteResult.Conflict;
                }
            },
            cancellation
        );

    private async Task<T> RunAsync<T>(
        string operation,
        string path,
        Func<CancellationToken, Task<T>> call,
        CancellationToken cancellation
    )
    {
        int attempts = 0;
        var context = ResilienceContextPool.Shared.Get(cancellation);
        try
        {
            context.Properties.Set(OperationKey, $"{operation} '{path}'");
            context.Properties.Set(OperationNameKey, operation);
            return await pipeline.ExecuteAsync(
                async ctx =>
                {
                    attempts++;
                    return await call(ctx.CancellationToken);
                },
                context
            );
        }
        catch (BrokenCircuitException e)
        {
            throw new BlobStoreUnavailableException(
                operation,
                path,
                attempts,
                $"storage {operation} '{path}' at {container.Uri} was not attempted: the circuit is open after "
                    + $"repeated failures "
                    + $"(it retries after {Options.BreakDuration.TotalSeconds:0.#} s). Check that storage answers.",
                e
            );
        }
        catch (Exception e) when (IsTransient(e, cancellation) || e is RequestFailedException)
        {
            string why = IsTransient(e, cancellation)
                ? "still failing after the retry budget"
                : "refused (not retryable)";
            throw new BlobStoreUnavailableException(
                operation,
                path,
                attempts,
                $"storage {operation} '{path}' at {container.Uri} failed after {attempts} attempt(s), {why}: "
                    + $"{e.GetType().Name}: {FirstLine(e.Message)}. "
                    + $"Check that storage answers (`infra/azurite.sh start` locally) and that "
                    + $"{LocalStorage.ConnectionStringVariable} is right.",
                e
            );
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static readonly ResiliencePropertyKey<string> OperationKey = new("saei.blob.operation");
    private static readonly ResiliencePropertyKey<string> OperationNameKey = new("saei.blob.operation_name");

    /// <summary>1 while this store's breaker is closed (<see cref="StorageMetrics"/> counts the open ones).</summary>
    private int circuitClosed = 1;

    private void CircuitEntered(string state)
    {
        int wasClosed = Interlocked.Exchange(ref circuitClosed, state == "closed" ? 1 : 0);
        StorageMetrics.CircuitEntered(state, wasClosed == 1);
    }

    private ResiliencePipeline BuildPipeline(BlobStoreOptions options, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(
                new RetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    Delay = options.BaseDelay,
                    MaxDelay = options.MaxDelay,
                    UseJitter = options.UseJitter,
                    ShouldHandle = args =>
                        ValueTask.FromResult(
                            args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)
                        ),
                    OnRetry = args =>
                    {
                        StorageMetrics.Retried(args.Context.Properties.GetValue(OperationNameKey, "call"));
                        logger.LogWarning(
                            "Storage {Operation} attempt {Attempt} failed ({Error}); retrying in {Delay}",
                            args.Context.Properties.GetValue(OperationKey, "call"),
                            args.AttemptNumber + 1,
                            FirstLine(args.Outcome.Exception?.Message ?? "?"),
                            args.RetryDelay
                        );
                        return default;
                    },
                }
            );
        }
        builder.AddCircuitBreaker(
            new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakDuration,
                OnOpened = _ =>
                {
                    CircuitEntered("open");
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    CircuitEntered("half_open");
                    return default;
                },
                OnClosed = _ =>
                {
                    CircuitEntered("closed");
                    return default;
                },
                ShouldHandle = args =>
                    ValueTask.FromResult(
                        args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)
                    ),
            }
        );
        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }

    /// <summary>Network errors, 408, 429, 5xx, an attempt's timeout; never the caller's own cancellation.</summary>
    internal static bool IsTransient(Exception e, CancellationToken caller) =>
        e switch
        {
            BrokenCircuitException => false,
            RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
            TimeoutRejectedException => true,
            HttpRequestException or IOException or SocketException => true,
            OperationCanceledException => !caller.IsCancellationRequested,
            AggregateException a => a.InnerExceptions.Any(inner => IsTransient(inner, caller)),
            _ => false,
        };

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n');
        return (newline < 0 ? message : message[..newline]).Trim();
    }
}
