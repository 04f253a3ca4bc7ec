using SaEI.Gpu.Evaluation;
using SaEI.Grains.Results.Statistics;

namespace SaEI.Grains.Evaluation;

/// <summary>An evaluation's per-problem pass counts in the statistics' terms.</summary>
public static class PerProblem
{
    public static ProblemPasses Of(BenchmarkResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var passes = result.ProblemPasses();
        return new ProblemPasses([.. passes.Select(p => p.ProblemId)], [.. passes.Select(p => p.Passes)], result.Overall.SamplesPerProblem);
    }
}
