using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// Totals of one whole mini-batch, computed once before its micro-batches so that each micro-batch's loss is
/// weighted for exact gradient accumulation (see <see cref="LossAggregator"/>).
/// </summary>
/// <param name="ValidTokens">Σ responseMask over the mini-batch (token-mean denominator).</param>
/// <param name="Sequences">Responses (rows) in the mini-batch (seq-mean-token-mean denominator).</param>
public sealed record MiniBatchTotals(double ValidTokens, long Sequences)
{
    /// <summary>Totals of the mini-batch's responseMask [N,T].</summary>
    public static MiniBatchTotals FromMask(Tensor responseMask)
    {
        ArgumentNullException.ThrowIfNull(responseMask);
        if (responseMask.dim() != 2)
            throw new ArgumentException(
                $"responseMask must be [N,T]; got [{PolicyLoss.Shape(responseMask)}].",
                nameof(responseMask)
            );
        using var scope = NewDisposeScope();
        return new MiniBatchTotals(
            responseMask.to_type(ScalarType.Float64).sum().item<double>(),
            responseMask.shape[0]
        );
    }

    /// <summary>The denominator <see cref="LossAggregator.Aggregate"/> needs for <paramref name="mode"/> (≥
    /// 1).</summary>
    public double Denominator(LossAggregation mode) =>
        mode switch
        {
            LossAggregation.TokenMean => Math.Max(1.0, ValidTokens),
            LossAggregation.SequenceMeanTokenMean => Math.Max(1, Sequences),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown loss aggregation"),
        };
}
