using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// Per-token KL estimators between the current policy and the reference policy (docs/algorithm.md §1.5; EasyR1
/// <c>compute_kl</c>; J. Schulman, "Approximating KL divergence", 2020):
/// <code>
///   kl         (k1):  logπ_θ − logπ_ref
///   abs            :  |logπ_θ − logπ_ref|
///   mse        (k2):  ½ (logπ_θ − logπ_ref)²
///   low_var_kl (k3):  x = clamp(logπ_ref − logπ_θ, −20, 20);  clamp(exp(x) − x − 1, −10, 10)
/// </code>
/// Decisions:
/// 1. Both k3 clamps are EasyR1's (numerical stability); the upper one also caps the gradient at large divergence.
/// 2. Computed in the input dtype (EasyR1 casts to float32; our log-probs are float32 already, float64 in tests).
/// 3. Masking and aggregation are the caller's (<see cref="LossAggregator"/>); the result covers every position.
/// </summary>
public static class KlPenalty
{
    /// <summary>Clamp of x = logπ_ref − logπ_θ before exp in k3 (EasyR1: 20).</summary>
    public const double LogRatioClamp = 20.0;

    /// <summary>Clamp of the k3 value (EasyR1: 10).</summary>
    public const double ValueClamp = 10.0;

    private static readonly Scalar LogRatioLower = (-LogRatioClamp).ToScalar(),
        LogRatioUpper = LogRatioClamp.ToScalar();
    private static readonly Scalar ValueLower = (-ValueClamp).ToScalar(),
        ValueUpper = ValueClamp.ToScalar();

    /// <summary>logProbs, refLogProbs [N,T] → per-token KL estimate [N,T], differentiable in logProbs.</summary>
    public static Tensor Compute(Tensor logProbs, Tensor refLogProbs, KlEstimator estimator)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(refLogProbs);
        if (!logProbs.shape.SequenceEqual(refLogProbs.shape))
            throw new ArgumentException(
                $"logProbs [{PolicyLoss.Shape(logProbs)}] and refLogProbs [{PolicyLoss.Shape(refLogProbs)}] must "
                    + $"have the same shape."
            );

        using var scope = NewDisposeScope();
        var reference = refLogProbs.detach();
        var result = estimator switch
        {
            KlEstimator.Kl => logProbs - reference,
            KlEstimator.Abs => (logProbs - reference).abs(),
            KlEstimator.Mse => (logProbs - reference).pow(Scalars.Two).mul(Scalars.Half),
            KlEstimator.LowVarKl => LowVarKl(logProbs, reference),
            _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown KL estimator"),
        };
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor LowVarKl(Tensor logProbs, Tensor refLogProbs)
    {
        var x = (refLogProbs - logProbs).clamp(LogRatioLower, LogRatioUpper); // [N,T]
        return (x.exp() - x).sub(Scalars.OneDouble).clamp(ValueLower, ValueUpper); // [N,T] eˣ − x − 1
    }
}
