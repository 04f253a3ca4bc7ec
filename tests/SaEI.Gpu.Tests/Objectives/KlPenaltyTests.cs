using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class KlPenaltyTests
{
    public KlPenaltyTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Hand_computed_estimators()
    {
        using var scope = torch.NewDisposeScope();
        // (logπ, logπ_ref) = (−1, −2): d = logπ − logπ_ref = 1,  x = −1: k3 = e^−1 + 1 − 1 = e^−1.
        // (logπ, logπ_ref) = (−2, −1): d = −1,                  x = 1:  k3 = e − 1 − 1 = e − 2.
        var logProbs = F64([-1, -2], 1, 2);
        var refLogProbs = F64([-2, -1], 1, 2);
        Close([1, -1], KlPenalty.Compute(logProbs, refLogProbs, KlEstimator.Kl), 12);
        Close([1, 1], KlPenalty.Compute(logProbs, refLogProbs, KlEstimator.Abs), 12);
        Close([0.5, 0.5], KlPenalty.Compute(logProbs, refLogProbs, KlEstimator.Mse), 12);
        Close([Math.Exp(-1), Math.E - 2], KlPenalty.Compute(logProbs, refLogProbs, KlEstimator.LowVarKl), 12);
    }

    [Fact]
    public void Low_var_kl_applies_both_clamps()
    {
        using var scope = torch.NewDisposeScope();
        // x = 25 → clamp 20 → e^20 − 21 ≫ 10 → 10.   x = −30 → clamp −20 → e^−20 + 19 > 10 → 10.
        // x = −5 → e^−5 + 4 = 4.006737947 (inside both clamps).
        var logProbs = F64([-30, 0, 0], 1, 3);
        var refLogProbs = F64([-5, -30, -5], 1, 3);
        Close([10, 10, Math.Exp(-5) + 4], KlPenalty.Compute(logProbs, refLogProbs, KlEstimator.LowVarKl), 12);
    }

    [Fact]
    public void Low_var_kl_gradient_is_one_minus_exp_x()
    {
        using var scope = torch.NewDisposeScope();
        // d/dlogπ [e^x − x − 1], x = logπ_ref − logπ: (e^x − 1)·(−1) = 1 − e^x; at x = −1: 1 − e^−1.
        var logProbs = F64([-1.0], 1, 1).requires_grad_(true);
        KlPenalty.Compute(logProbs, F64([-2.0], 1, 1), KlEstimator.LowVarKl).sum().backward();
        Close([1 - Math.Exp(-1)], logProbs.grad!, 12);
    }

    [Theory]
    [InlineData(KlEstimator.Kl)]
    [InlineData(KlEstimator.Abs)]
    [InlineData(KlEstimator.Mse)]
    [InlineData(KlEstimator.LowVarKl)]
    public void Vectorised_matches_a_loop_on_seeded_random_input(KlEstimator estimator)
    {
        using var scope = torch.NewDisposeScope();
        var logProbs = Random(5, 4, 9, 8.0, -4.0);
        var refLogProbs = Random(6, 4, 9, 8.0, -4.0);
        var expected = new List<double>();
        for (int i = 0; i < 4; i++)
        for (int t = 0; t < 9; t++)
        {
            double d = logProbs[i, t] - refLogProbs[i, t];
            double x = Math.Clamp(-d, -20, 20);
            expected.Add(
                estimator switch
                {
                    KlEstimator.Kl => d,
                    KlEstimator.Abs => Math.Abs(d),
                    KlEstimator.Mse => 0.5 * d * d,
                    _ => Math.Clamp(Math.Exp(x) - x - 1, -10, 10),
                }
            );
        }
        Close([.. expected], KlPenalty.Compute(F64(logProbs), F64(refLogProbs), estimator), 10);
    }
}
