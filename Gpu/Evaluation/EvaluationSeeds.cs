using System.Text;

namespace SaEI.Gpu.Evaluation;

/// <summary>
/// Common random numbers for evaluation: the sampling generator of a batch of problems is seeded by
/// (evaluation seed, benchmark, batch index) only — never by the run, its method, its training seed or its step — so
/// every method and every checkpoint sees the same random numbers for the same problem and sample.
/// Decisions:
/// 1. One generator per batch, not per problem: generation draws for all rows of a batch at once, and one
///    multinomial (or uniform) draw per row and token consumes a fixed amount of the generator whatever the model's
///    probabilities, so row b·k + j (problem b, sample j) at token t always gets the same draw. With the same batch
///    size and problem order (both fixed by the spec) the draws are a function of (benchmark, problem, sample, eval
///    seed); a batch that stops early only leaves later draws unused, which cannot shift another batch's draws.
/// 2. The benchmark name enters by FNV-1a (stable across processes, unlike string.GetHashCode), mixed by SplitMix64.
/// </summary>
public static class EvaluationSeeds
{
    /// <summary>The evaluation seed every run of an experiment uses (common random numbers across methods).</summary>
    public const ulong Common = 0;

    /// <summary>The generator seed of batch <paramref name="batch"/> of <paramref name="benchmark"/>.</summary>
    public static ulong ForBatch(ulong evaluationSeed, string benchmark, int batch)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(benchmark))
            hash = (hash ^ b) * 1099511628211UL;
        return Mix(Mix(Mix(evaluationSeed) ^ hash) ^ (ulong)batch);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
