using SaEI.Grains.Runs;

namespace SaEI.Grains.Tests.Runs;

public sealed class RetryPolicyTests
{
    [Theory]
    [InlineData(FailureKind.Configuration, 1, 3, false)]
    [InlineData(FailureKind.Numeric, 1, 3, true)]
    [InlineData(FailureKind.Numeric, 3, 3, true)]
    [InlineData(FailureKind.Numeric, 4, 3, false)]
    [InlineData(FailureKind.Infrastructure, 3, 3, true)]
    [InlineData(FailureKind.Infrastructure, 4, 3, false)]
    [InlineData(FailureKind.Infrastructure, 1, 0, false)]
    [InlineData(FailureKind.WorkerLost, 50, 3, true)]
    public void Failures_are_retried_per_class_within_max_failures(
        FailureKind kind,
        int failuresOfKind,
        int maxFailures,
        bool retried
    ) => Assert.Equal(retried, RetryPolicy.ShouldRetry(kind, failuresOfKind, maxFailures));
}
