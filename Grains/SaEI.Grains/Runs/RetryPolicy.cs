namespace SaEI.Grains.Runs;

/// <summary>
/// What a failure of a run's attempt leads to (issue #6, docs/architecture.md §5). Pure, so it is tested alone.
///
/// Decisions:
/// 1. Configuration/data failures are never retried: the same input fails the same way.
/// 2. Numeric and infrastructure failures are retried from the last committed checkpoint while that class has
///    failed at most <c>max_failures</c> times (default 3): the fourth failure of one class fails the run.
/// 3. A lost worker (expired lease) is always retried: the run did nothing wrong. It still counts as a restart.
/// </summary>
public static class RetryPolicy
{
    /// <summary>True when the run should go back to Pending; <paramref name="failuresOfKind"/> includes this
    /// failure.</summary>
    public static bool ShouldRetry(FailureKind kind, int failuresOfKind, int maxFailures) =>
        kind switch
        {
            FailureKind.Configuration => false,
            FailureKind.WorkerLost => true,
            FailureKind.Numeric or FailureKind.Infrastructure => failuresOfKind <= maxFailures,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
}
