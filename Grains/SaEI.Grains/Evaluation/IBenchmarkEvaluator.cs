using SaEI.Grains.Workers;

namespace SaEI.Grains.Evaluation;

/// <summary>
/// The seam to the real evaluator (SaEI.Gpu: load the checkpoint, generate, grade). Registered in DI and called by
/// <see cref="EvaluatorGrain"/> off the grain scheduler.
/// </summary>
public interface IBenchmarkEvaluator
{
    /// <summary>The score in [0, 1] of the checkpoint of <c>request.Step</c> on <c>request.Benchmark</c>, and how many
    /// samples it used.</summary>
    Task<(double Score, int Samples)> EvaluateAsync(EvaluationRequest request, CancellationToken cancellation);
}

/// <summary>Deterministic scores for the simulated executor: a pure function of (method, seed, step,
/// benchmark).</summary>
public sealed class SimulatedBenchmarkEvaluator : IBenchmarkEvaluator
{
    public Task<(double Score, int Samples)> EvaluateAsync(EvaluationRequest request, CancellationToken cancellation) =>
        Task.FromResult(
            (SimulatedMetrics.BenchmarkScore(request.Method, request.Seed, request.Step, request.Benchmark), 100)
        );
}
