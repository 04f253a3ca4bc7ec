using Polly;
using Polly.Retry;

namespace SaEI.Grains.Workers;

/// <summary>
/// Retries for a worker's calls to its run grain (and, through it, grain storage): a storage outage of ~10-20 s makes
/// those calls fail; retrying with backoff and jitter rides it out. A fenced verdict or a cancellation is never
/// retried (it is an answer, not a failure).
/// </summary>
public static class GrainCallResilience
{
    /// <summary>About 25 s of retries: 10 attempts, exponential from 200 ms, capped at 4 s, with jitter.</summary>
    public static ResiliencePipeline Pipeline { get; } = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not (RunFencedException or OperationCanceledException or RunFailureException)),
            MaxRetryAttempts = 10,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(4),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();
}
