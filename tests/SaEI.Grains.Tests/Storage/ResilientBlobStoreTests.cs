using Azure;
using SaEI.Grains.Storage;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Storage;

public sealed class ResilientBlobStoreTests
{
    private static readonly BlobStoreOptions Fast = new()
    {
        MaxRetryAttempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds(5),
        MaxDelay = TimeSpan.FromMilliseconds(20),
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task Conditional_writes_return_Written_or_Conflict_and_never_overwrite()
    {
        var container = await Azurite.NewContainerAsync("blobstore");
        try
        {
            var store = new ResilientBlobStore(container, Fast);
            var created = Assert.IsType<BlobWriteResult.Written>(
                await store.WriteAsync("a/x.txt", BinaryData.FromString("one"), WriteCondition.CreateOnly)
            );
            Assert.IsType<BlobWriteResult.Conflict>(
                await store.WriteAsync("a/x.txt", BinaryData.FromString("two"), WriteCondition.CreateOnly)
            );

            var read = Assert.IsType<BlobReadResult.Found>(await store.ReadAsync("a/x.txt"));
            Assert.Equal("one", read.Content.ToString());
            Assert.Equal(created.ETag, read.ETag);

            var replaced = Assert.IsType<BlobWriteResult.Written>(
                await store.WriteAsync("a/x.txt", BinaryData.FromString("three"), WriteCondition.Matching(read.ETag))
            );
            // The old ETag is stale now: a second writer holding it gets Conflict, and the content stays "three".
            Assert.IsType<BlobWriteResult.Conflict>(
                await store.WriteAsync("a/x.txt", BinaryData.FromString("four"), WriteCondition.Matching(read.ETag))
            );
            var after = Assert.IsType<BlobReadResult.Found>(await store.ReadAsync("a/x.txt"));
            Assert.Equal("three", after.Content.ToString());
            Assert.Equal(replaced.ETag, after.ETag);

            Assert.Equal(BlobDeleteResult.Conflict, await store.DeleteAsync("a/x.txt", read.ETag));
            Assert.Equal(BlobDeleteResult.Deleted, await store.DeleteAsync("a/x.txt", after.ETag));
            Assert.Equal(BlobDeleteResult.NotFound, await store.DeleteAsync("a/x.txt"));
            Assert.IsType<BlobReadResult.NotFound>(await store.ReadAsync("a/x.txt"));
            Assert.Null(await store.GetInfoAsync("a/x.txt"));
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Listing_by_prefix_and_folders_sees_only_that_prefix()
    {
        var container = await Azurite.NewContainerAsync("blobstore");
        try
        {
            var store = new ResilientBlobStore(container, Fast);
            foreach (string path in new[] { "p/step-000020/a", "p/step-000040/a", "p/step-000040/b", "q/c" })
                await store.WriteAsync(path, BinaryData.FromString(path), WriteCondition.Overwrite);
            var listed = await store.ListAsync("p/");
            Assert.Equal(["p/step-000020/a", "p/step-000040/a", "p/step-000040/b"], listed.Select(b => b.Path));
            Assert.All(listed, b => Assert.Equal(b.Path.Length, b.Size));
            Assert.Equal(["step-000020", "step-000040"], await store.ListFoldersAsync("p/"));
            var info = await store.GetInfoAsync("q/c");
            Assert.NotNull(info);
            Assert.NotNull(info.ContentMd5); // single-shot uploads carry the service's MD5 (used to verify checkpoints)
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Transient_failures_are_retried_and_the_call_then_succeeds()
    {
        await Azurite.EnsureRunningAsync();
        var transport = new FaultyTransport(failures: 2);
        var store = ResilientBlobStore.Connect(
            Azurite.ConnectionString,
            $"retry-{Guid.NewGuid():N}",
            Fast,
            transport: transport
        );
        await store.EnsureContainerAsync(); // attempts 1, 2 fail (injected), 3 succeeds
        Assert.Equal(3, transport.Requests);

        var written = await store.WriteAsync("x.bin", BinaryData.FromBytes([1, 2, 3]), WriteCondition.CreateOnly);
        Assert.IsType<BlobWriteResult.Written>(written);
        Assert.Equal(4, transport.Requests); // no more failures: one request
    }

    [Fact]
    public async Task An_unreachable_store_fails_after_the_bounded_attempts_with_a_clear_error()
    {
        // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
        string connection = UnreachableConnectionString();
        var transport = new FaultyTransport(failures: 0);
        var store = ResilientBlobStore.Connect(connection, "unreachable", Fast, transport: transport);

        var error = await Assert.ThrowsAsync<BlobStoreUnavailableException>(() =>
            store.ReadAsync("experiments/e/spec.yaml")
        );
        Assert.Equal(Fast.MaxRetryAttempts + 1, error.Attempts);
        Assert.Equal(Fast.MaxRetryAttempts + 1, transport.Requests);
        Assert.Equal("experiments/e/spec.yaml", error.Path);
        Assert.Contains("after 4 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("experiments/e/spec.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(LocalStorage.ConnectionStringVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_repeated_failures_the_circuit_opens_and_calls_fail_fast_without_a_request()
    {
        string connection = UnreachableConnectionString();
        var transport = new FaultyTransport(failures: 0);
        var options = Fast with
        {
            MaxRetryAttempts = 0,
            BreakerMinimumThroughput = 3,
            BreakerFailureRatio = 0.5,
            BreakDuration = TimeSpan.FromMinutes(1),
        };
        var store = ResilientBlobStore.Connect(connection, "breaker", options, transport: transport);
        for (int i = 0; i < 3; i++)
            await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.ReadAsync("x"));
        int before = transport.Requests;

        var open = await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.ReadAsync("x"));
        Assert.Contains("circuit is open", open.Message, StringComparison.Ordinal);
        Assert.Equal(before, transport.Requests);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_retried()
    {
        string connection = UnreachableConnectionString();
        var transport = new FaultyTransport(failures: 0);
        var store = ResilientBlobStore.Connect(connection, "cancel", Fast, transport: transport);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ReadAsync("x", cancelled.Token));
        Assert.True(transport.Requests <= 1);
    }

    [Fact]
    public void Transient_classification_covers_network_throttling_and_server_errors_only()
    {
        Assert.True(ResilientBlobStore.IsTransient(new RequestFailedException(503, "busy"), default));
        Assert.True(ResilientBlobStore.IsTransient(new RequestFailedException(429, "throttled"), default));
        Assert.True(ResilientBlobStore.IsTransient(new RequestFailedException(408, "timeout"), default));
        Assert.True(ResilientBlobStore.IsTransient(new RequestFailedException(0, "network"), default));
        Assert.False(ResilientBlobStore.IsTransient(new RequestFailedException(403, "forbidden"), default));
        Assert.False(ResilientBlobStore.IsTransient(new RequestFailedException(400, "bad"), default));
        Assert.False(ResilientBlobStore.IsTransient(new InvalidOperationException(), default));
    }

    [Fact]
    public void Out_of_range_options_are_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new BlobStoreOptions { MaxRetryAttempts = -1, BreakerFailureRatio = 2 }.ThrowIfInvalid()
        );
        Assert.Contains(nameof(BlobStoreOptions.MaxRetryAttempts), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(BlobStoreOptions.BreakerFailureRatio), error.Message, StringComparison.Ordinal);
    }

    /// <summary>Every endpoint on loopback port 9 (discard): nothing listens, connections are refused at
    /// once.</summary>
    private static string UnreachableConnectionString() =>
        System.Text.RegularExpressions.Regex.Replace(
            LocalStorage.AzuriteConnectionString(),
            @"127\.0\.0\.1:\d+",
            "127.0.0.1:9"
        );
}
