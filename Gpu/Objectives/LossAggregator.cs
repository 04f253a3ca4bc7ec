using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// Masked aggregation of per-token losses into one scalar (docs/algorithm.md §1.5; EasyR1 <c>average_loss</c>):
/// <code>
///   token mean:               Σ_{i,t} ℓ_{i,t}·m_{i,t} / D,       D = Σ m            (default)
///   seq-mean-token-mean:      Σ_i [Σ_t ℓ_{i,t}·m_{i,t} / Σ_t m_{i,t}] / D,   D = N
/// </code>
/// Gradient accumulation: pass the whole mini-batch's denominator (<see cref="MiniBatchTotals"/>) for every
/// micro-batch; then the sum of the micro-batch losses (and of their gradients) equals the mini-batch aggregate
/// exactly, for both modes (EasyR1 scales the micro-batch token mean by tokens_micro / tokens_mini, the same thing).
/// Decisions:
/// 1. Exact division: EasyR1 divides by (Σm + 1e-8); the relative difference is ≤ 1e-8 per token. An all-masked
///    input aggregates to 0 (denominator clamped to ≥ 1).
/// 2. In seq-mean-token-mean a row with no valid token contributes 0 but still counts in N, as in EasyR1.
/// </summary>
public static class LossAggregator
{
    /// <summary>
    /// values [N,T], mask [N,T] (0/1, any dtype) → scalar. <paramref name="denominator"/>: the mini-batch's
    /// <see cref="MiniBatchTotals.Denominator"/> when accumulating micro-batches; null uses this batch's own.
    /// </summary>
    public static Tensor Aggregate(Tensor values, Tensor mask, LossAggregation mode, double? denominator = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(mask);
        if (values.dim() != 2 || !values.shape.SequenceEqual(mask.shape))
            throw new ArgumentException(
                $"values and mask must both be [N,T]; got [{PolicyLoss.Shape(values)}] and [{PolicyLoss.Shape(mask)}]."
            );
        if (denominator is <= 0)
            throw new ArgumentOutOfRangeException(
                nameof(denominator),
                denominator,
                "the aggregation denominator must be positive."
            );

        using var scope = NewDisposeScope();
        var weights = mask.to_type(values.dtype); // [N,T]
        var masked = values * weights; // [N,T]
        var result = mode switch
        {
            LossAggregation.TokenMean => Divide(
                masked.sum(),
                denominator ?? Math.Max(1.0, weights.sum().to_type(ScalarType.Float64).item<double>())
            ),
            LossAggregation.SequenceMeanTokenMean => Divide(
                (masked.sum(1) / weights.sum(1).clamp_min(Scalars.OneDouble)).sum(),
                denominator ?? Math.Max(1, values.shape[0])
            ),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown loss aggregation"),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>value / divisor, the divisor's Scalar kept alive across the native call (<see
    /// cref="Scalars"/>).</summary>
    private static Tensor Divide(Tensor value, double divisor)
    {
        using var divisorScalar = divisor.ToScalar();
        return value.div(divisorScalar);
    }

    /// <summary>Token mean of values [N,T] over mask [N,T] (EasyR1 <c>masked_mean</c>, used for metrics).</summary>
    public static Tensor MaskedMean(Tensor values, Tensor mask) => Aggregate(values, mask, LossAggregation.TokenMean);
}
