using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class GrpoLossTests
{
    public GrpoLossTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Hand_computed_loss_and_metrics()
    {
        using var scope = torch.NewDisposeScope();
        // One response, two tokens, A = 1. π_θ = [0.6, 0.5], π_old = [0.4, 0.5], π_ref = [0.6, 0.25].
        //   t0 ratio 1.5 → clipped at 1.3: pg −1.3;  t1 ratio 1: pg −1.  pg_loss = −1.15.
        //   k3: t0 x = 0 → 0;  t1 x = ln(0.25/0.5) = −ln 2 → ½ + ln 2 − 1 = 0.1931471806.  kl_loss = 0.0965735903.
        //   loss = −1.15 + 0.01·0.0965735903;  ppo_kl = −(ln 1.5 + 0)/2;  clipfrac_higher ½, lower 0.
        var input = new GrpoLossInput(
            LogProbs: F64([Math.Log(0.6), Math.Log(0.5)], 1, 2).requires_grad_(true),
            OldLogProbs: F64([Math.Log(0.4), Math.Log(0.5)], 1, 2),
            RefLogProbs: F64([Math.Log(0.6), Math.Log(0.25)], 1, 2),
            Advantages: F64([1.0], 1),
            ResponseMask: F64([1, 1], 1, 2)
        );
        var result = GrpoLoss.Compute(input, new RlOptions());
        double kl = (0.5 + Math.Log(2) - 1) / 2;
        Assert.Equal(-1.15 + 0.01 * kl, result.Loss.item<double>(), 12);
        Assert.Equal(-1.15, result.Metrics.PgLoss, 12);
        Assert.Equal(kl, result.Metrics.KlLoss, 12);
        Assert.Equal(-Math.Log(1.5) / 2, result.Metrics.PpoKl, 12);
        Assert.Equal(0.5, result.Metrics.PgClipfracHigher, 12);
        Assert.Equal(0.0, result.Metrics.PgClipfracLower, 12);
        Assert.Equal(2, result.Metrics.ValidTokens);
        // d/dlogπ: t0 clipped → 0 + 0.01·(1 − e^0)/2 = 0;  t1: −1/2 + 0.01·(1 − ½)/2 = −0.4975.
        result.Loss.backward();
        Close([0, -0.4975], input.LogProbs.grad!, 12);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SequenceMeanTokenMean)]
    public void Accumulated_micro_batch_gradients_equal_the_mini_batch_gradient(LossAggregation aggregation)
    {
        using var scope = torch.NewDisposeScope();
        // logπ = w ⊙ features, so ∂loss/∂w collects every token; 8 responses as 1×8 and as micro-batches 3 + 3 + 2.
        const int rows = 8,
            tokens = 6;
        var options = new RlOptions { LossAggregation = aggregation, KlCoefficient = 0.1 };
        var features = F64(Random(51, rows, tokens, 0.5, 1.0));
        var oldLogProbs = F64(Random(52, rows, tokens, 0.5, -1.0));
        var refLogProbs = F64(Random(53, rows, tokens, 0.5, -1.0));
        var advantages = F64(Random(54, rows, 1, 1.0)).reshape(rows);
        var mask = F64(PrefixMask(55, rows, tokens));
        var totals = MiniBatchTotals.FromMask(mask);

        double[] Gradient(int[] sizes)
        {
            var weight = F64(Enumerable.Repeat(-1.0, tokens).ToArray(), 1, tokens).requires_grad_(true);
            int start = 0;
            foreach (int size in sizes)
            {
                var input = new GrpoLossInput(
                    (weight * features.narrow(0, start, size)),
                    oldLogProbs.narrow(0, start, size),
                    refLogProbs.narrow(0, start, size),
                    advantages.narrow(0, start, size),
                    mask.narrow(0, start, size)
                );
                GrpoLoss.Compute(input, options, totals).Loss.backward();
                start += size;
            }
            return Values(weight.grad!);
        }

        double[] whole = Gradient([rows]);
        Close(whole, F64(Gradient([3, 3, 2]), tokens), 12);
        Assert.Contains(whole, g => Math.Abs(g) > 1e-3);
    }

    [Fact]
    public void The_method_chooses_the_policy_loss()
    {
        using var scope = torch.NewDisposeScope();
        var input = new GrpoLossInput(
            F64([-1, -2, -0.5, -1, -3, -7], 2, 3),
            F64([-1.1, -2, -0.7, -0.9, -2.5, -7], 2, 3),
            null,
            F64([1, -1], 2),
            F64([1, 1, 1, 1, 1, 0], 2, 3)
        );
        var klCov = new RlOptions
        {
            Method = RlMethod.KlCov,
            KlCoefficient = 0,
            KlCovRatio = 0.4,
        };
        var expected = CovariancePenalty.KlCov(
            input.LogProbs,
            input.OldLogProbs,
            input.Advantages,
            input.ResponseMask,
            0.4,
            1.0
        );
        Close(Values(expected.TokenLoss), GrpoLoss.PolicyTerms(input, klCov).TokenLoss, 12);
        Assert.Equal(0.4, GrpoLoss.Compute(input, klCov).Metrics.CovarianceTokenFraction, 12);

        var clipCov = new RlOptions { Method = RlMethod.ClipCov, KlCoefficient = 0 };
        var missing = Assert.Throws<ArgumentNullException>(() => GrpoLoss.Compute(input, clipCov));
        Assert.Contains("Generator", missing.Message);
        using var generator = new torch.Generator(1, torch.CPU);
        Assert.Equal(0.2, GrpoLoss.Compute(input, clipCov, generator: generator).Metrics.CovarianceTokenFraction, 12);

        var grpo = GrpoLoss.PolicyTerms(input, new RlOptions());
        var clipped = PolicyLoss.Clipped(input.LogProbs, input.OldLogProbs, input.Advantages, 0.2, 0.3, 3.0);
        Close(Values(clipped.TokenLoss), grpo.TokenLoss, 12);
    }

    [Fact]
    public void Missing_reference_log_probs_name_the_option_to_change()
    {
        using var scope = torch.NewDisposeScope();
        var input = new GrpoLossInput(F64([-1.0], 1, 1), F64([-1.0], 1, 1), null, F64([1.0], 1), F64([1.0], 1, 1));
        var error = Assert.Throws<ArgumentException>(() => GrpoLoss.Compute(input, new RlOptions()));
        Assert.Contains("kl_coefficient", error.Message);
        Assert.Equal(0.0, GrpoLoss.Compute(input, new RlOptions { KlCoefficient = 0 }).Metrics.KlLoss);
    }

    [Fact]
    public void Every_method_has_a_policy_loss_and_clip_cov_options_are_validated()
    {
        foreach (var method in Enum.GetValues<RlMethod>())
        {
            var expected = method switch
            {
                RlMethod.KlCov => PolicyLossKind.KlCov,
                RlMethod.ClipCov => PolicyLossKind.ClipCov,
                _ => PolicyLossKind.Clipped,
            };
            Assert.Equal(expected, RlMethodTraits.PolicyLossOf(method));
        }
        Assert.Empty(new RlOptions { Method = RlMethod.ClipCov }.Validate());
        var errors = new RlOptions { ClipCovClipLow = 0, ClipCovClipHigh = -1 }.Validate();
        Assert.Contains(errors, e => e.Key == "clip_cov_clip_low");
        Assert.Contains(errors, e => e.Key == "clip_cov_clip_high");
    }
}
