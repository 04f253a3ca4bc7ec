using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Rollout;

/// <summary>
/// One next token per row from logits z [N,V]: greedy argmax at T = 0, otherwise a draw from softmax(z/T)
/// restricted to the smallest set of most likely tokens whose mass reaches top_p (the nucleus; the token that
/// crosses top_p is kept), using the caller's generator only.
/// Decisions:
/// 1. The caller's generator is a CPU <see cref="Generator"/> (trainer state holds CPU generator states only). On
///    CPU the draw is <c>multinomial(probs, generator)</c>, unchanged, so seeded CPU runs keep their numbers.
/// 2. A CPU generator cannot drive <c>multinomial</c> on CUDA tensors, so off CPU the draw is explicit: N uniforms
///    u ~ U[0,1) from the CPU generator are moved to the logits' device (the only bytes that cross devices per
///    token), and each row takes the first token whose cumulative mass exceeds u · total (inverse CDF: cumsum +
///    searchsorted, in float64 so a 150k-token vocabulary does not lose the tail to rounding). Resume stays exact
///    on each device because the CPU generator state is the only RNG state. The two paths consume the generator
///    differently: the same seed gives different (equally distributed) samples on CPU and on CUDA.
/// </summary>
public static class TokenSampler
{
    /// <summary>logits [N,V] → (tokens [N] int64, logProbs [N] float32 under softmax(z/T); raw z at T = 0).</summary>
    public static (Tensor Tokens, Tensor LogProbs) Sample(
        Tensor logits,
        double temperature,
        double topP,
        Generator generator
    ) => Sample(logits, temperature, topP, generator, inverseCdf: logits.device_type != DeviceType.CPU);

    /// <summary>
    /// As <see cref="Sample(Tensor, double, double, Generator)"/>, choosing the draw: <paramref name="inverseCdf"/>
    /// = true is the device path (decision 2); tests force it on CPU.
    /// </summary>
    internal static (Tensor Tokens, Tensor LogProbs) Sample(
        Tensor logits,
        double temperature,
        double topP,
        Generator generator,
        bool inverseCdf
    )
    {
        using var scope = NewDisposeScope();
        Tensor tokens,
            logProbs;
        if (temperature == 0)
        {
            tokens = logits.argmax(-1); // [N]
            logProbs = nn.functional.log_softmax(logits, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        }
        else
        {
            using var temperatureScalar = temperature.ToScalar();
            var scaled = nn.functional.log_softmax(logits.div(temperatureScalar), -1); // [N,V]
            var probs = scaled.exp();
            if (topP < 1)
                probs = Nucleus(probs, topP);
            tokens = inverseCdf
                ? InverseCdf(probs, generator) // [N]
                : multinomial(probs, 1, false, generator).squeeze(-1); // [N]
            logProbs = scaled.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        }
        return (tokens.MoveToOuterDisposeScope(), logProbs.to_type(float32).MoveToOuterDisposeScope());
    }

    /// <summary>probs [N,V] → probs with the tail beyond mass top_p zeroed (multinomial renormalises).</summary>
    private static Tensor Nucleus(Tensor probs, double topP)
    {
        var (sorted, indices) = probs.sort(-1, descending: true); // [N,V]
        var massBefore = sorted.cumsum(-1) - sorted; // mass of strictly more likely tokens
        using var topPScalar = topP.ToScalar();
        var kept = sorted.masked_fill(massBefore.ge(topPScalar), Scalars.ZeroInt);
        return zeros_like(probs).scatter(-1, indices, kept);
    }

    /// <summary>
    /// probs [N,V] (unnormalised, non-negative) → tokens [N]: the first token whose cumulative mass exceeds
    /// u · total with u [N] drawn on the generator's device and moved to probs' device (decision 2).
    /// </summary>
    private static Tensor InverseCdf(Tensor probs, Generator generator)
    {
        using var scope = NewDisposeScope();
        var cdf = probs.to_type(float64).cumsum(-1); // [N,V]
        var total = cdf.narrow(-1, probs.shape[^1] - 1, 1); // [N,1]
        // [N,1] on the generator's device
        var uniforms = rand([probs.shape[0], 1], float64, generator.device, generator: generator);
        var targets = uniforms.to(probs.device).mul(total); // [N,1] in [0, total)
        // right: the first index with cdf > target, so a zero-mass token (cdf equal to its predecessor's) is never
        // chosen; the clamp only guards rounding at target ≈ total.
        var tokens = searchsorted(cdf, targets, right: true).squeeze(-1); // [N]
        using var lastToken = (probs.shape[^1] - 1).ToScalar();
        return tokens.clamp_max(lastToken).MoveToOuterDisposeScope();
    }
}
