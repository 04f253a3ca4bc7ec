using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// The update objective of one micro-batch (docs/algorithm.md §1.5; EasyR1 <c>dp_actor.update_policy</c>):
/// <code>
///   loss = agg(ℓ_pg) + β·agg(KL_est(logπ_θ, logπ_ref))
/// </code>
/// with ℓ_pg the per-token policy loss chosen by <see cref="RlMethodTraits.PolicyLossOf"/> (the one switch below),
/// KL_est the estimator of <see cref="RlOptions.KlEstimator"/>, and agg the masked aggregation of
/// <see cref="RlOptions.LossAggregation"/>.
/// Gradient accumulation: pass the mini-batch's <see cref="MiniBatchTotals"/>; the returned loss is then already
/// weighted, and the sum over micro-batches of loss.backward() equals the backward of the mini-batch aggregate.
/// Decisions:
/// 1. Metrics are EasyR1's per micro-batch values, unweighted: pg_loss and kl_loss aggregated with the micro-batch's
///    own denominator; ppo_kl and the clip fractions as masked token means. The trainer averages them (EasyR1 logs
///    the mean over micro-batches).
/// 2. KL-Cov and Clip-Cov keep the k3 KL term like every method (docs/algorithm.md §5.3); β = 0 skips it and then
///    refLogProbs may be null.
/// </summary>
public static class GrpoLoss
{
    /// <summary>
    /// One micro-batch's weighted loss (scalar, differentiable in input.LogProbs) and its metrics.
    /// <paramref name="totals"/>: the whole mini-batch's totals (null: this micro-batch is the mini-batch).
    /// <paramref name="generator"/>: required for Clip-Cov's random draw (CPU generator, seeded explicitly).
    /// </summary>
    public static GrpoLossResult Compute(
        GrpoLossInput input,
        RlOptions options,
        MiniBatchTotals? totals = null,
        Generator? generator = null
    )
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        var mask = input.ResponseMask;
        bool useKl = options.KlCoefficient > 0;
        if (useKl && input.RefLogProbs is null)
            throw new ArgumentException(
                $"kl_coefficient is {options.KlCoefficient} but no reference log-probs were given; compute them with "
                    + $"π_ref or set kl_coefficient 0.",
                nameof(input)
            );

        using var scope = NewDisposeScope();
        var policy = PolicyTerms(input, options, generator);
        double? denominator = totals?.Denominator(options.LossAggregation);
        var pgLoss = LossAggregator.Aggregate(policy.TokenLoss, mask, options.LossAggregation, denominator);
        var loss = pgLoss;
        double klLossValue = 0;
        if (useKl)
        {
            using var klCoefficient = options.KlCoefficient.ToScalar();
            var kl = KlPenalty.Compute(input.LogProbs, input.RefLogProbs!, options.KlEstimator); // [N,T]
            loss = pgLoss.add(
                LossAggregator.Aggregate(kl, mask, options.LossAggregation, denominator).mul(klCoefficient),
                Scalars.One
            );
            klLossValue = Value(LossAggregator.Aggregate(kl.detach(), mask, options.LossAggregation));
        }

        var metrics = new GrpoLossMetrics(
            PgLoss: Value(LossAggregator.Aggregate(policy.TokenLoss.detach(), mask, options.LossAggregation)),
            KlLoss: klLossValue,
            PpoKl: Value(LossAggregator.MaskedMean(policy.ApproxKl, mask)),
            PgClipfracHigher: Value(LossAggregator.MaskedMean(policy.ClippedHigher, mask)),
            PgClipfracLower: Value(LossAggregator.MaskedMean(policy.ClippedLower, mask)),
            CovarianceTokenFraction: Value(LossAggregator.MaskedMean(policy.CovarianceSelected, mask)),
            ValidTokens: mask.ne(Scalars.ZeroInt).sum().item<long>()
        );
        return new GrpoLossResult(loss.MoveToOuterDisposeScope(), metrics);
    }

    /// <summary>A scalar metric as double, whatever the tensor's dtype (float32 on the model path).</summary>
    private static double Value(Tensor scalar) => scalar.to_type(ScalarType.Float64).item<double>();

    /// <summary>The per-token policy loss of the method: the one place that switches on it.</summary>
    public static TokenPolicyLoss PolicyTerms(GrpoLossInput input, RlOptions options, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        return RlMethodTraits.PolicyLossOf(options.Method) switch
        {
            PolicyLossKind.Clipped => PolicyLoss.Clipped(
                input.LogProbs,
                input.OldLogProbs,
                input.Advantages,
                options.ClipLow,
                options.ClipHigh,
                options.DualClip
            ),
            PolicyLossKind.KlCov => CovariancePenalty.KlCov(
                input.LogProbs,
                input.OldLogProbs,
                input.Advantages,
                input.ResponseMask,
                options.KlCovRatio,
                options.KlCovCoefficient
            ),
            PolicyLossKind.ClipCov => CovariancePenalty.ClipCov(
                input.LogProbs,
                input.OldLogProbs,
                input.Advantages,
                input.ResponseMask,
                options.ClipCovClipLow,
                options.ClipCovClipHigh,
                options.ClipCovLowerBound,
                options.ClipCovUpperBound,
                options.ClipCovRatio,
                generator
                    ?? throw new ArgumentNullException(
                        nameof(generator),
                        "Clip-Cov draws tokens at random: pass a seeded CPU torch.Generator."
                    )
            ),
            var kind => throw new ArgumentOutOfRangeException(nameof(options), kind, "unknown policy loss"),
        };
    }
}

/// <summary>
/// One micro-batch's inputs to <see cref="GrpoLoss"/>. Shapes: N responses, T response tokens.
/// </summary>
/// <param name="LogProbs">[N,T] logπ_θ of the response tokens, with gradient (current policy, clean image).</param>
/// <param name="OldLogProbs">[N,T] logπ_old (no gradient; on the sampling image for SaEI's adversarial half).</param>
/// <param name="RefLogProbs">[N,T] logπ_ref (no gradient), or null when kl_coefficient is 0.</param>
/// <param name="Advantages">[N] per response or [N,T] per token (<see cref="GroupAdvantage"/>).</param>
/// <param name="ResponseMask">[N,T] 1 on response tokens up to and including the first end-of-sequence.</param>
public sealed record GrpoLossInput(
    Tensor LogProbs,
    Tensor OldLogProbs,
    Tensor? RefLogProbs,
    Tensor Advantages,
    Tensor ResponseMask
);

/// <summary>The weighted micro-batch loss (call backward on it) and the micro-batch's metrics.</summary>
public sealed record GrpoLossResult(Tensor Loss, GrpoLossMetrics Metrics);

/// <summary>
/// Metrics of one micro-batch, EasyR1 names under actor/: pg_loss, kl_loss, ppo_kl, pg_clipfrac_higher,
/// pg_clipfrac_lower; plus the fraction of valid tokens KL-Cov penalised or Clip-Cov zeroed, and the token count.
/// </summary>
public sealed record GrpoLossMetrics(
    double PgLoss,
    double KlLoss,
    double PpoKl,
    double PgClipfracHigher,
    double PgClipfracLower,
    double CovarianceTokenFraction,
    long ValidTokens
);
