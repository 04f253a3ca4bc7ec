namespace SaEI.Grains.Evaluation;

/// <summary>
/// One evaluation (key: "{run}/{step}/{benchmark}", see <see cref="EvaluationKey"/>): loads the checkpoint from blob
/// storage and scores it on a benchmark. Idempotent: a second call returns the stored result.
/// </summary>
public interface IEvaluatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// The result, or null while the evaluation is still running (the first call starts it; each call waits a few
    /// seconds at most, so no caller is blocked for a whole evaluation): call again later.
    /// </summary>
    Task<EvaluationResult?> EvaluateAsync(EvaluationRequest request);
}

[GenerateSerializer, Immutable]
public sealed record EvaluationRequest(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] string RunId,
    [property: Id(2)] int Step,
    [property: Id(3)] string Benchmark,
    [property: Id(4)] string Method,
    [property: Id(5)] int Seed
);

/// <summary>
/// A score, or — when <see cref="Failure"/> is set — an evaluation that failed permanently (a configuration or data
/// error, after a bounded number of tries): then <see cref="Score"/> is NaN and <see cref="Samples"/> 0.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationResult(
    [property: Id(0)] string Benchmark,
    [property: Id(1)] int Step,
    [property: Id(2)] double Score,
    [property: Id(3)] int Samples
)
{
    /// <summary>Why the evaluation failed permanently (kind, tries, last message); null for a score.</summary>
    [Id(4)]
    public string? Failure { get; init; }
}

/// <summary>The key of an evaluator grain.</summary>
public static class EvaluationKey
{
    public static string Of(string runId, int step, string benchmark) => $"{runId}/{step}/{benchmark}";
}
