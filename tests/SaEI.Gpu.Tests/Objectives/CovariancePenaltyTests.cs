using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class CovariancePenaltyTests
{
    public CovariancePenaltyTests() => TorchRuntime.Initialize(1);

    // Shared hand case: 2 responses × 3 tokens, mask [[1,1,1],[1,1,0]] (V = 5 valid), A = [1, −1].
    //   logπ = [[−1, −2, −0.5], [−1, −3, pad]];  mean A = (3 − 2)/5 = 0.2;  mean logπ = −7.5/5 = −1.5.
    //   cov row 0 (A − 0.2 = 0.8):  [0.8·0.5, 0.8·(−0.5), 0.8·1.0] = [0.4, −0.4, 0.8]
    //   cov row 1 (A − 0.2 = −1.2): [−1.2·0.5, −1.2·(−1.5)]       = [−0.6, 1.8]
    //   δ = logπ − logπ_old = [[0.1, 0, 0.2], [−0.1, −0.5, 0]].
    private static Tensor LogProbs() => F64([-1, -2, -0.5, -1, -3, -7], 2, 3);

    private static Tensor OldLogProbs() => F64([-1.1, -2, -0.7, -0.9, -2.5, -7], 2, 3);

    private static Tensor Mask() => F64([1, 1, 1, 1, 1, 0], 2, 3);

    private static Tensor Advantages() => F64([1, -1], 2);

    [Fact]
    public void Kl_cov_penalises_the_top_covariance_tokens_by_hand()
    {
        using var scope = torch.NewDisposeScope();
        // ratio 0.4 → k = max(1, ⌊5·0.4⌋) = 2: the two largest cov, (1,1) 1.8 and (0,2) 0.8.
        // loss = −A·e^δ + 1·|δ| on those:  (0,0) −e^0.1, (0,1) −1, (0,2) −e^0.2 + 0.2,
        //        (1,0) e^−0.1, (1,1) e^−0.5 + 0.5, (1,2) (padding: A = −1, δ = 0) 1.
        var logProbs = LogProbs().requires_grad_(true);
        var terms = CovariancePenalty.KlCov(
            logProbs,
            OldLogProbs(),
            Advantages(),
            Mask(),
            ratio: 0.4,
            coefficient: 1.0
        );
        Close([-Math.Exp(0.1), -1, -Math.Exp(0.2) + 0.2, Math.Exp(-0.1), Math.Exp(-0.5) + 0.5, 1], terms.TokenLoss, 12);
        Close([0, 0, 1, 0, 1, 0], terms.CovarianceSelected);
        // Gradient: −A·e^δ + sign(δ) on selected: (0,2) −e^0.2 + 1;  (1,1) e^−0.5 − 1.
        terms.TokenLoss.sum().backward();
        Close([-Math.Exp(0.1), -1, -Math.Exp(0.2) + 1, Math.Exp(-0.1), Math.Exp(-0.5) - 1, 1], logProbs.grad!, 12);
    }

    [Fact]
    public void Kl_cov_selects_at_least_one_token_and_breaks_ties_by_position()
    {
        using var scope = torch.NewDisposeScope();
        // ⌊5·0.002⌋ = 0 → k = 1: only (1,1).
        var one = CovariancePenalty.KlCov(LogProbs(), OldLogProbs(), Advantages(), Mask(), 0.002, 1.0);
        Close([0, 0, 0, 0, 1, 0], one.CovarianceSelected);
        // A = [1, −1], logπ = [[−1, −2], [−2, −1]]: mean A 0, mean logπ −1.5, cov = [0.5, −0.5, 0.5, −0.5]: tie →
        // (0,0).
        var tied = CovariancePenalty.KlCov(
            F64([-1, -2, -2, -1], 2, 2),
            F64([-1, -2, -2, -1], 2, 2),
            F64([1, -1], 2),
            F64([1, 1, 1, 1], 2, 2),
            0.25,
            1.0
        );
        Close([1, 0, 0, 0], tied.CovarianceSelected);
    }

    [Fact]
    public void Clip_cov_zeroes_candidates_inside_the_bounds_that_were_not_clipped()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(7, torch.CPU);
        // Bounds (1, 5): only (1,1) with cov 1.8; ⌊5·2e-4⌋ = 0 → 1 token zeroed. Clip 1/1 → clamp(ratio, 0, 2),
        // nothing clipped. Loss = max(pg1, pg2) = −A·e^δ elsewhere.
        var terms = CovariancePenalty.ClipCov(
            LogProbs(),
            OldLogProbs(),
            Advantages(),
            Mask(),
            1.0,
            1.0,
            1.0,
            5.0,
            2e-4,
            generator
        );
        Close([-Math.Exp(0.1), -1, -Math.Exp(0.2), Math.Exp(-0.1), 0, 1], terms.TokenLoss, 12);
        Close([0, 0, 0, 0, 1, 0], terms.CovarianceSelected);

        // Bounds (0.3, 5): candidates (0,0) 0.4, (0,2) 0.8, (1,1) 1.8. Make (0,2) clipped: δ = ln 3, ratio 3 > 2, A =
        // 1, pg1 = −3 < pg2 = −2. Fraction 1 → up to 5 zeroed: exactly (0,0) and (1,1); (0,2) keeps its clipped loss
        // −2.
        var old = F64([-1.1, -2, -0.5 - Math.Log(3), -0.9, -2.5, -7], 2, 3);
        var clipped = CovariancePenalty.ClipCov(
            LogProbs(),
            old,
            Advantages(),
            Mask(),
            1.0,
            1.0,
            0.3,
            5.0,
            1.0,
            generator
        );
        Close([0, -1, -2, Math.Exp(-0.1), 0, 1], clipped.TokenLoss, 12);
        Close([1, 0, 0, 0, 1, 0], clipped.CovarianceSelected);
        Close([0, 0, 1, 0, 0, 0], clipped.ClippedHigher);
    }

    [Fact]
    public void Clip_cov_random_draw_matches_a_loop_with_the_same_seed()
    {
        using var scope = torch.NewDisposeScope();
        const int rows = 16,
            tokens = 12;
        var logProbs = Random(31, rows, tokens, 2.0, -2.0);
        var oldLogProbs = Random(32, rows, tokens, 2.0, -2.0);
        var advantages = Random(33, rows, 1, 2.0);
        var mask = PrefixMask(34, rows, tokens);
        const double lower = 0.2,
            upper = 5,
            fraction = 0.05;

        // Loop reference: covariance over valid tokens, candidates in row-major order, randperm with the same seed.
        var valid = new List<(int Row, int Token)>();
        for (int i = 0; i < rows; i++)
        for (int t = 0; t < tokens; t++)
            if (mask[i, t] != 0)
                valid.Add((i, t));
        double meanA = valid.Average(v => advantages[v.Row, 0]),
            meanLogP = valid.Average(v => logProbs[v.Row, v.Token]);
        var candidates = valid
            .Where(v =>
            {
                double a = advantages[v.Row, 0],
                    ratio = Math.Exp(Math.Clamp(logProbs[v.Row, v.Token] - oldLogProbs[v.Row, v.Token], -20, 20));
                bool clipped = -a * Math.Clamp(ratio, 0, 2) > -a * ratio;
                double cov = (a - meanA) * (logProbs[v.Row, v.Token] - meanLogP);
                return !clipped && cov > lower && cov < upper;
            })
            .ToList();
        int count = Math.Min(candidates.Count, Math.Max(1, (int)Math.Floor(valid.Count * fraction)));
        Assert.True(
            candidates.Count > count,
            $"the seeded case needs more candidates ({candidates.Count}) than draws ({count})"
        );
        using var loopGenerator = new torch.Generator(99, torch.CPU);
        long[] permutation = torch.randperm(candidates.Count, generator: loopGenerator).data<long>().ToArray();
        var expected = new double[rows * tokens];
        foreach (long p in permutation.Take(count))
            expected[candidates[(int)p].Row * tokens + candidates[(int)p].Token] = 1;

        using var generator = new torch.Generator(99, torch.CPU);
        var terms = CovariancePenalty.ClipCov(
            F64(logProbs),
            F64(oldLogProbs),
            F64(advantages).reshape(rows),
            F64(mask),
            1.0,
            1.0,
            lower,
            upper,
            fraction,
            generator
        );
        Close(expected, terms.CovarianceSelected);
    }

    [Fact]
    public void Kl_cov_matches_a_loop_on_seeded_random_input()
    {
        using var scope = torch.NewDisposeScope();
        const int rows = 12,
            tokens = 10;
        var logProbs = Random(41, rows, tokens, 2.0, -2.0);
        var oldLogProbs = Random(42, rows, tokens, 2.0, -2.0);
        var advantages = Random(43, rows, 1, 2.0);
        var mask = PrefixMask(44, rows, tokens);
        var valid = new List<int>();
        for (int i = 0; i < rows; i++)
        for (int t = 0; t < tokens; t++)
            if (mask[i, t] != 0)
                valid.Add(i * tokens + t);
        double meanA = valid.Average(f => advantages[f / tokens, 0]),
            meanLogP = valid.Average(f => logProbs[f / tokens, f % tokens]);
        int k = Math.Max(1, (int)Math.Floor(valid.Count * 0.1));
        var selected = valid
            .OrderByDescending(f => (advantages[f / tokens, 0] - meanA) * (logProbs[f / tokens, f % tokens] - meanLogP))
            .ThenBy(f => f)
            .Take(k)
            .ToHashSet();
        var expected = new double[rows * tokens];
        for (int f = 0; f < rows * tokens; f++)
        {
            double a = advantages[f / tokens, 0],
                delta = logProbs[f / tokens, f % tokens] - oldLogProbs[f / tokens, f % tokens];
            expected[f] =
                -a * Math.Exp(Math.Clamp(delta, -20, 20)) + (selected.Contains(f) ? 0.5 * Math.Abs(delta) : 0);
        }
        var terms = CovariancePenalty.KlCov(
            F64(logProbs),
            F64(oldLogProbs),
            F64(advantages).reshape(rows),
            F64(mask),
            0.1,
            0.5
        );
        Close(expected, terms.TokenLoss, 10);
    }
}
