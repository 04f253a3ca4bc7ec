using Azure.Core.Pipeline;

namespace SaEI.Grains.Tests.Storage;

/// <summary>A real HTTP transport that counts requests and throws a network error on the first <c>failures</c> of them
/// (of those whose path contains <c>onlyPathContaining</c>, when given).</summary>
internal sealed class FaultyTransport(int failures, string? onlyPathContaining = null) : HttpPipelineTransport
{
    private readonly HttpClientTransport inner = new();
    private int remaining = failures;
    private int requests;

    public int Requests => Volatile.Read(ref requests);

    /// <summary>"METHOD path" of every request, in order (including the failed ones).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    public override Azure.Core.Request CreateRequest() => inner.CreateRequest();

    public override void Process(Azure.Core.HttpMessage message) =>
        ProcessAsync(message).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message)
    {
        Interlocked.Increment(ref requests);
        Log.Enqueue($"{message.Request.Method} {message.Request.Uri.Path}");
        bool eligible =
            onlyPathContaining is null
            || message.Request.Uri.Path.Contains(onlyPathContaining, StringComparison.Ordinal);
        if (eligible && Interlocked.Decrement(ref remaining) >= 0)
            throw new Azure.RequestFailedException(
                0,
                "injected network failure",
                new HttpRequestException("connection reset (injected)")
            );
        await inner.ProcessAsync(message);
    }
}
