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
    /// <summary>
    /// About a minute of retries (15 attempts, exponential from 200 ms, capped at 5 s, with jitter): enough for a
    /// 10-20 s outage plus the blob store's circuit-breaker pause (15 s) after it.
    /// </summary>
    public static ResiliencePipeline Pipeline { get; } =
        new ResiliencePipelineBuilder()
            .AddRetry(
                new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(e =>
                        e is not (RunFencedException or OperationCanceledException or RunFailureException)
                    ),
                    MaxRetryAttempts = 15,
                    Delay = TimeSpan.FromMilliseconds(200),
                    MaxDelay = TimeSpan.FromSeconds(5),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                }
            )
            .Build();
}
