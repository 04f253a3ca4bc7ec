using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// GRPO's clipped surrogate with dual clip, per token (docs/algorithm.md §1.5, Eq. 2; EasyR1
/// <c>compute_policy_loss</c>, loss_type "default"):
/// <code>
///   δ = logπ_θ − logπ_old,  ratio = exp(clamp(δ, −20, 20))
///   pg1 = −A·ratio,  pg2 = −A·clamp(ratio, 1−ε_low, 1+ε_high),  pg3 = −A·c_dual
///   loss = max(pg1, pg2)                 if A ≥ 0
///        = min(max(pg1, pg2), pg3)       if A &lt; 0
/// </code>
/// Metrics, per token before masking (EasyR1 names and definitions):
///   pg_clipfrac_higher = [pg1 &lt; pg2];  pg_clipfrac_lower = [max(pg1,pg2) &gt; pg3 and A &lt; 0];  ppo_kl = −δ.
/// Decisions:
/// 1. EasyR1 clips via exp(clamp(δ, log(1−ε_low), log(1+ε_high))); clamping the ratio itself is identical in value and
///    gradient (exp is monotone; both have zero gradient outside the band), so the spec's form is used.
/// 2. ppo_kl uses the unclamped δ (current EasyR1; an older EasyR1 used the ±20-clamped δ; equal for |δ| ≤ 20).
/// 3. advantages may be [N] (one per response) or [N,T] (token-level); [N] broadcasts over T.
/// </summary>
public static class PolicyLoss
{
    /// <summary>Bound on |δ| before exp, so the ratio and its gradient stay finite (EasyR1: 20).</summary>
    public const double LogRatioClamp = 20.0;

    /// <summary>−<see cref="LogRatioClamp"/> and +<see cref="LogRatioClamp"/> as long-lived Scalars (<see
    /// cref="Scalars"/>).</summary>
    internal static readonly Scalar LogRatioLower = (-LogRatioClamp).ToScalar(),
        LogRatioUpper = LogRatioClamp.ToScalar();

    /// <summary>
    /// logProbs, oldLogProbs [N,T]; advantages [N] or [N,T] → per-token loss and clip indicators, all [N,T].
    /// </summary>
    public static TokenPolicyLoss Clipped(
        Tensor logProbs,
        Tensor oldLogProbs,
        Tensor advantages,
        double clipLow,
        double clipHigh,
        double dualClip
    )
    {
        var tokenAdvantages = TokenAdvantages(logProbs, oldLogProbs, advantages);
        using var scope = NewDisposeScope();
        var logRatio = logProbs - oldLogProbs; // δ [N,T]
        using var ratioLow = (1.0 - clipLow).ToScalar();
        using var ratioHigh = (1.0 + clipHigh).ToScalar();
        using var dual = dualClip.ToScalar();
        var ratio = logRatio.clamp(LogRatioLower, LogRatioUpper).exp(); // [N,T]
        var pg1 = -tokenAdvantages * ratio; // [N,T]
        var pg2 = -tokenAdvantages * ratio.clamp(ratioLow, ratioHigh); // [N,T]
        var pg3 = (-tokenAdvantages).mul(dual); // [N,T]
        var clippedHigherLoss = maximum(pg1, pg2);
        var clippedLowerLoss = minimum(clippedHigherLoss, pg3);
        var negative = tokenAdvantages.lt(Scalars.ZeroInt).expand_as(logRatio);
        var tokenLoss = where(negative, clippedLowerLoss, clippedHigherLoss); // [N,T]

        var clippedHigher = pg1.lt(pg2).to_type(logProbs.dtype).detach();
        var clippedLower = (clippedHigherLoss.gt(pg3) & negative).to_type(logProbs.dtype).detach();
        var approxKl = (-logRatio).detach();
        var none = zeros_like(logProbs).detach();
        return new TokenPolicyLoss(
            tokenLoss.MoveToOuterDisposeScope(),
            clippedHigher.MoveToOuterDisposeScope(),
            clippedLower.MoveToOuterDisposeScope(),
            approxKl.MoveToOuterDisposeScope(),
            none.MoveToOuterDisposeScope()
        );
    }

    /// <summary>Checks shapes and returns advantages broadcastable to [N,T] ([N] → [N,1]), detached.</summary>
    internal static Tensor TokenAdvantages(Tensor logProbs, Tensor oldLogProbs, Tensor advantages)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(oldLogProbs);
        ArgumentNullException.ThrowIfNull(advantages);
        if (logProbs.dim() != 2 || !logProbs.shape.SequenceEqual(oldLogProbs.shape))
            throw new ArgumentException(
                $"logProbs and oldLogProbs must both be [N,T]; got [{Shape(logProbs)}] and [{Shape(oldLogProbs)}]."
            );
        bool perResponse = advantages.dim() == 1 && advantages.shape[0] == logProbs.shape[0];
        bool perToken = advantages.dim() == 2 && advantages.shape.SequenceEqual(logProbs.shape);
        if (!perResponse && !perToken)
            throw new ArgumentException(
                $"advantages must be [N] or [N,T] matching logProbs [{Shape(logProbs)}]; got [{Shape(advantages)}].",
                nameof(advantages)
            );
        var detached = advantages.detach().to_type(logProbs.dtype);
        return perResponse ? detached.unsqueeze(-1) : detached; // [N,1] or [N,T]
    }

    internal static string Shape(Tensor t) => string.Join(",", t.shape);
}
