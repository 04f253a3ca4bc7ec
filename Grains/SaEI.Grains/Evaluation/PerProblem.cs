using System.Security.Cryptography;
using System.Text;
using SaEI.Gpu.Evaluation;
using SaEI.Grains.Results.Statistics;

namespace SaEI.Grains.Evaluation;

/// <summary>An evaluation's per-problem pass counts and a fingerprint of its samples.</summary>
public static class PerProblem
{
    public static ProblemPasses Of(BenchmarkResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var passes = result.ProblemPasses();
        return new ProblemPasses(
            [.. passes.Select(p => p.ProblemId)],
            [.. passes.Select(p => p.Passes)],
            result.Overall.SamplesPerProblem
        );
    }

    /// <summary>
    /// SHA-256 (hex) of every sampled response in order ("problem id, sample, response" lines): two evaluations
    /// with the same fingerprint sampled the same text, which is how common random numbers are checked.
    /// </summary>
    public static string ResponsesSha256(BenchmarkResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        foreach (var g in result.Generations)
            text.Append(g.ProblemId).Append('\t').Append(g.Sample).Append('\t').Append(g.Response).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
