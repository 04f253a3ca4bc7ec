using SaEI.Gpu.Tasks.Data;
using SaEI.Grains.Runs;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Tests.Training;

/// <summary>Data and configuration errors are never retried; infrastructure errors still are (issue #11, item
/// 4).</summary>
public sealed class FailureClassifierTests
{
    private static readonly DataFormatException BadPng = new(
        new DataLocation("/data/g3k/train.parquet", 12, "images[0].bytes"),
        "corrupt, truncated or unsupported image (200 bytes, InvalidImageContentException); replace the image."
    );

    public static TheoryData<Exception> DataErrors =>
        new()
        {
            BadPng,
            new AggregateException(BadPng),
            new System.Reflection.TargetInvocationException(BadPng),
            new FileNotFoundException("base model 'x' is not in blob storage"),
            new DirectoryNotFoundException("no such folder"),
            new UnauthorizedAccessException("model cache cannot be made private"),
            new InvalidDataException("stored spec does not parse"),
            new RunFailureException(FailureKind.Configuration, "run r: loading data.train failed", 0),
        };

    public static TheoryData<Exception> InfrastructureErrors =>
        new()
        {
            new IOException("disk I/O error"),
            new TimeoutException("storage did not answer"),
            new InvalidOperationException("unexpected"),
            new AggregateException(BadPng, new IOException("disk")),
            new RunFailureException(FailureKind.Infrastructure, "run r: this node's devices are unusable", 0),
        };

    [Theory]
    [MemberData(nameof(DataErrors))]
    public void Bad_input_is_configuration_and_is_not_retried(Exception error)
    {
        var (kind, message) = FailureClassifier.Classify(error);
        Assert.Equal(FailureKind.Configuration, kind);
        Assert.False(RetryPolicy.ShouldRetry(kind, failuresOfKind: 1, maxFailures: 3));
        Assert.False(string.IsNullOrWhiteSpace(message));
    }

    [Theory]
    [MemberData(nameof(InfrastructureErrors))]
    public void Other_errors_are_infrastructure_and_are_retried(Exception error)
    {
        var (kind, _) = FailureClassifier.Classify(error);
        Assert.Equal(FailureKind.Infrastructure, kind);
        Assert.True(RetryPolicy.ShouldRetry(kind, failuresOfKind: 1, maxFailures: 3));
    }

    [Fact]
    public void A_data_error_keeps_its_file_row_and_field_in_the_recorded_message()
    {
        var (_, message) = FailureClassifier.Classify(new AggregateException(BadPng));
        Assert.Equal(BadPng.Message, message);
        Assert.Contains(
            "file '/data/g3k/train.parquet', row 12, field 'images[0].bytes'",
            message,
            StringComparison.Ordinal
        );
    }
}
