using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class PolicyLossTests
{
    public PolicyLossTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Hand_computed_clip_dual_clip_metrics_and_gradient()
    {
        using var scope = torch.NewDisposeScope();
        // ε_low 0.2, ε_high 0.3, c 3. Tokens (A, ratio):
        //  t0 ( 1, 1.5): pg1 −1.5, pg2 −1.3 → max −1.3, higher-clipped, grad 0
        //  t1 ( 1, 0.5): pg1 −0.5, pg2 −0.8 → max −0.5, not clipped, d/dlogπ = −A·ratio = −0.5
        //  t2 (−1, 0.5): pg1 0.5, pg2 0.8 → max 0.8 < pg3 3 → 0.8, higher-clipped, grad 0
        //  t3 (−1, 4  ): pg1 4, pg2 1.3 → max 4 > pg3 3 → 3, lower-clipped (dual), grad 0
        //  t4 ( 2, 1  ): pg1 = pg2 = −2 → −2, not clipped, grad −2
        //  t5 ( 0, 1.2): 0, grad 0
        double[] ratios = [1.5, 0.5, 0.5, 4, 1, 1.2];
        var oldLogProbs = F64([-1.0, -2.0, -0.5, -3.0, -1.5, -0.7], 1, 6);
        var logProbs = (oldLogProbs + F64(ratios.Select(r => Math.Log(r)).ToArray(), 1, 6))
            .detach()
            .requires_grad_(true);
        var advantages = F64([1, 1, -1, -1, 2, 0], 1, 6);

        var terms = PolicyLoss.Clipped(logProbs, oldLogProbs, advantages, clipLow: 0.2, clipHigh: 0.3, dualClip: 3.0);

        Close([-1.3, -0.5, 0.8, 3.0, -2.0, 0.0], terms.TokenLoss, 12);
        Close([1, 0, 1, 0, 0, 0], terms.ClippedHigher);
        Close([0, 0, 0, 1, 0, 0], terms.ClippedLower);
        Close(ratios.Select(r => -Math.Log(r)).ToArray(), terms.ApproxKl, 12);
        terms.TokenLoss.sum().backward();
        Close([0, -0.5, 0, 0, -2.0, 0], logProbs.grad!, 12);
    }

    [Fact]
    public void Per_response_advantages_broadcast_over_tokens()
    {
        using var scope = torch.NewDisposeScope();
        var logProbs = F64([-1, -2, -1, -2], 2, 2);
        var perToken = PolicyLoss.Clipped(logProbs, logProbs, F64([3, 3, -1, -1], 2, 2), 0.2, 0.3, 3).TokenLoss;
        var perResponse = PolicyLoss.Clipped(logProbs, logProbs, F64([3, -1], 2), 0.2, 0.3, 3).TokenLoss;
        Close(Values(perToken), perResponse, 12);
    }

    [Fact]
    public void Log_ratio_is_clamped_before_exp()
    {
        using var scope = torch.NewDisposeScope();
        // δ = 30 → ratio e^20 (finite). A = 1: pg1 = −e^20, pg2 = −1.3 → −1.3.
        // A = −1: pg1 = e^20, pg2 = 1.3, max e^20 > pg3 = 3 → 3 (dual-clipped).
        var terms = PolicyLoss.Clipped(F64([0.0], 1, 1), F64([-30.0], 1, 1), F64([1.0], 1), 0.2, 0.3, 3);
        Close([-1.3], terms.TokenLoss, 12);
        var negative = PolicyLoss.Clipped(F64([0.0], 1, 1), F64([-30.0], 1, 1), F64([-1.0], 1), 0.2, 0.3, 3);
        Close([3.0], negative.TokenLoss, 12);
    }

    [Fact]
    public void Vectorised_matches_a_loop_on_seeded_random_input()
    {
        using var scope = torch.NewDisposeScope();
        const int rows = 6,
            tokens = 7;
        var logProbs = Random(1, rows, tokens, 1.0, -2.0);
        var oldLogProbs = Random(2, rows, tokens, 1.0, -2.0);
        var advantages = Random(3, rows, 1, 2.0);
        var terms = PolicyLoss.Clipped(F64(logProbs), F64(oldLogProbs), F64(advantages).reshape(rows), 0.2, 0.3, 3.0);

        var loss = new List<double>();
        var higher = new List<double>();
        var lower = new List<double>();
        for (int i = 0; i < rows; i++)
        for (int t = 0; t < tokens; t++)
        {
            double a = advantages[i, 0],
                delta = logProbs[i, t] - oldLogProbs[i, t];
            double ratio = Math.Exp(Math.Clamp(delta, -20, 20));
            double pg1 = -a * ratio,
                pg2 = -a * Math.Clamp(ratio, 0.8, 1.3),
                pg3 = -a * 3.0;
            double max = Math.Max(pg1, pg2);
            loss.Add(a < 0 ? Math.Min(max, pg3) : max);
            higher.Add(pg1 < pg2 ? 1 : 0);
            lower.Add(a < 0 && max > pg3 ? 1 : 0);
        }
        Close([.. loss], terms.TokenLoss, 12);
        Close([.. higher], terms.ClippedHigher);
        Close([.. lower], terms.ClippedLower);
        Assert.Contains(1.0, higher);
        Assert.Contains(1.0, lower);
    }

    [Fact]
    public void Mismatched_shapes_name_both_shapes()
    {
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() =>
            PolicyLoss.Clipped(F64([0, 0], 1, 2), F64([0, 0, 0], 1, 3), F64([1.0], 1), 0.2, 0.3, 3)
        );
        Assert.Contains("[1,2]", error.Message);
        Assert.Contains("[1,3]", error.Message);
    }
}
