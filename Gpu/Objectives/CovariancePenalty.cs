using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// KL-Cov and Clip-Cov (Cui et al. 2025, "The Entropy Mechanism of RL for Reasoning LMs"; docs/algorithm.md §5.3–§5.4;
/// verl <c>compute_policy_loss_kl_cov</c> / <c>compute_policy_loss_clip_cov</c>). Over the V valid tokens of one
/// micro-batch:
/// <code>
///   cov_{i,t} = (A_{i,t} − mean A)·(logπ_θ,{i,t} − mean logπ_θ)          (detached; means over valid tokens)
///   ratio = exp(clamp(δ, −20, 20)),  δ = logπ_θ − logπ_old
///   KL-Cov:   S = top k = max(1, ⌊V·ρ_kl⌋) valid tokens by cov
///             loss = −A·ratio + κ·|δ|·[t ∈ S]                          (no clipping)
///   Clip-Cov: pg1 = −A·ratio,  pg2 = −A·clamp(ratio, 1−ε_low, 1+ε_high)  (Cui et al.: ε_low = ε_high = 1)
///             C = valid tokens with lb &lt; cov &lt; ub and not already clipped (pg2 ≤ pg1)
///             Z = max(1, ⌊V·ρ_clip⌋) tokens of C drawn uniformly without replacement (all of C if fewer)
///             loss = max(pg1, pg2)·[t ∉ Z]
/// </code>
/// Decisions:
/// 1. The ratio is clamped at ±20 before exp, like GRPO's (verl does not; equal for |δ| ≤ 20, finite beyond).
/// 2. KL-Cov top-k ties: stable descending sort, so the earlier token in row-major order wins (torch.topk leaves
///    ties unspecified).
/// 3. Clip-Cov's random draw: candidates in row-major order (torch.nonzero), permuted by torch.randperm on the
///    explicit CPU generator, first Z kept; the generator is not consumed when there is no candidate (as in verl).
/// 4. "Clip ratios 1/1" is read as ε_low = ε_high = 1, i.e. pg2 = −A·clamp(ratio, 0, 2), and no dual clip; these
///    are the options clip_cov_clip_low / clip_cov_clip_high (default 1, Cui et al.'s Clip-Cov recipe).
/// 5. Metrics: ppo_kl keeps EasyR1's −δ for every method (verl's KL-Cov reports |δ|); clip fractions follow EasyR1's
///    definitions (KL-Cov clips nothing: 0); the covariance-selected tokens are reported separately.
/// </summary>
public static class CovariancePenalty
{
    /// <summary>KL-Cov per-token loss. logProbs, oldLogProbs, responseMask [N,T]; advantages [N] or [N,T].</summary>
    public static TokenPolicyLoss KlCov(
        Tensor logProbs,
        Tensor oldLogProbs,
        Tensor advantages,
        Tensor responseMask,
        double ratio,
        double coefficient
    )
    {
        var tokenAdvantages = PolicyLoss.TokenAdvantages(logProbs, oldLogProbs, advantages);
        CheckMask(logProbs, responseMask);
        using var scope = NewDisposeScope();
        using var coefficientScalar = coefficient.ToScalar();
        var logRatio = logProbs - oldLogProbs; // δ [N,T]
        var importance = logRatio.clamp(PolicyLoss.LogRatioLower, PolicyLoss.LogRatioUpper).exp();
        var (validIndex, covariance) = ValidCovariance(logProbs, tokenAdvantages, responseMask); // [V], [V]

        var selected = zeros(logProbs.numel(), dtype: logProbs.dtype, device: logProbs.device); // [N*T]
        long validCount = validIndex.shape[0];
        if (validCount > 0)
        {
            long k = Math.Max(1L, (long)Math.Floor(validCount * ratio));
            var top = covariance.sort(0, descending: true, stable: true).Indices.narrow(0, 0, Math.Min(k, validCount));
            selected.index_fill_(0, validIndex.index_select(0, top), Scalars.OneDouble);
        }
        selected = selected.view(logProbs.shape); // [N,T]

        var tokenLoss = (-tokenAdvantages * importance).add(
            logRatio.abs().mul(coefficientScalar) * selected,
            Scalars.One
        );
        return new TokenPolicyLoss( // KL-Cov clips nothing
            tokenLoss.MoveToOuterDisposeScope(),
            zeros_like(logProbs).MoveToOuterDisposeScope(),
            zeros_like(logProbs).MoveToOuterDisposeScope(),
            (-logRatio).detach().MoveToOuterDisposeScope(),
            selected.MoveToOuterDisposeScope()
        );
    }

    /// <summary>
    /// Clip-Cov per-token loss. logProbs, oldLogProbs, responseMask [N,T]; advantages [N] or [N,T]; the draw of
    /// zeroed tokens uses <paramref name="generator"/> (a CPU generator; pass one seeded from run, step, micro-batch).
    /// </summary>
    public static TokenPolicyLoss ClipCov(
        Tensor logProbs,
        Tensor oldLogProbs,
        Tensor advantages,
        Tensor responseMask,
        double clipLow,
        double clipHigh,
        double lowerBound,
        double upperBound,
        double ratio,
        Generator generator
    )
    {
        ArgumentNullException.ThrowIfNull(generator);
        var tokenAdvantages = PolicyLoss.TokenAdvantages(logProbs, oldLogProbs, advantages);
        CheckMask(logProbs, responseMask);
        using var scope = NewDisposeScope();
        using var ratioLow = (1.0 - clipLow).ToScalar();
        using var ratioHigh = (1.0 + clipHigh).ToScalar();
        using var lower = lowerBound.ToScalar();
        using var upper = upperBound.ToScalar();
        var logRatio = logProbs - oldLogProbs; // δ [N,T]
        var importance = logRatio.clamp(PolicyLoss.LogRatioLower, PolicyLoss.LogRatioUpper).exp();
        var pg1 = -tokenAdvantages * importance; // [N,T]
        var pg2 = -tokenAdvantages * importance.clamp(ratioLow, ratioHigh); // [N,T]
        var clippedByRatio = pg2.gt(pg1).detach(); // [N,T] bool

        var (validIndex, covariance) = ValidCovariance(logProbs, tokenAdvantages, responseMask); // [V], [V]
        var notClipped = clippedByRatio.reshape(-1).index_select(0, validIndex).logical_not();
        var candidate = covariance.gt(lower) & covariance.lt(upper) & notClipped; // [V] bool
        var candidateIndex = validIndex.masked_select(candidate); // [C] row-major order

        var zeroed = zeros(logProbs.numel(), dtype: logProbs.dtype, device: logProbs.device); // [N*T]
        long candidates = candidateIndex.shape[0];
        if (candidates > 0)
        {
            long count = Math.Min(candidates, Math.Max(1L, (long)Math.Floor(validIndex.shape[0] * ratio)));
            var permutation = randperm(candidates, generator: generator).narrow(0, 0, count).to(logProbs.device);
            zeroed.index_fill_(0, candidateIndex.index_select(0, permutation), Scalars.OneDouble);
        }
        zeroed = zeroed.view(logProbs.shape); // [N,T]

        var tokenLoss = maximum(pg1, pg2) * ones_like(zeroed).sub(zeroed); // · (1 − zeroed)
        var clippedHigher = pg1.lt(pg2).to_type(logProbs.dtype).detach();
        return new TokenPolicyLoss(
            tokenLoss.MoveToOuterDisposeScope(),
            clippedHigher.MoveToOuterDisposeScope(),
            zeros_like(logProbs).MoveToOuterDisposeScope(),
            (-logRatio).detach().MoveToOuterDisposeScope(),
            zeroed.MoveToOuterDisposeScope()
        );
    }

    /// <summary>Flat indices [V] of the valid tokens (row-major) and their detached covariance [V].</summary>
    private static (Tensor ValidIndex, Tensor Covariance) ValidCovariance(
        Tensor logProbs,
        Tensor tokenAdvantages,
        Tensor responseMask
    )
    {
        var valid = responseMask.ne(Scalars.ZeroInt).reshape(-1); // [N*T]
        var validIndex = valid.nonzero().reshape(-1); // [V]
        var advantage = tokenAdvantages.expand_as(logProbs).reshape(-1).index_select(0, validIndex); // [V]
        var logProb = logProbs.detach().reshape(-1).index_select(0, validIndex); // [V]
        if (validIndex.shape[0] == 0)
            return (validIndex, logProb);
        var covariance = (advantage - advantage.mean()) * (logProb - logProb.mean()); // [V]
        return (validIndex, covariance);
    }

    private static void CheckMask(Tensor logProbs, Tensor responseMask)
    {
        ArgumentNullException.ThrowIfNull(responseMask);
        if (!responseMask.shape.SequenceEqual(logProbs.shape))
            throw new ArgumentException(
                $"responseMask [{PolicyLoss.Shape(responseMask)}] must match logProbs [{PolicyLoss.Shape(logProbs)}].",
                nameof(responseMask)
            );
    }
}
