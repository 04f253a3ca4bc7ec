using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class TokenEntropyTests
{
    public TokenEntropyTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Hand_computed_entropies_and_temperature()
    {
        using var scope = torch.NewDisposeScope();
        // Uniform over V = 4: H = ln 4.  z = [0, ln 3]: p = [1/4, 3/4], H = −(¼ ln ¼ + ¾ ln ¾) = 0.5623351446188083.
        // z = [0, 2 ln 3] at temperature 2 is z = [0, ln 3].
        double h = -(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75));
        var logits = F64([0, 0, 0, 0, 0, Math.Log(3), -1e9, -1e9], 1, 2, 4);
        Close([Math.Log(4), h], TokenEntropy.FromLogits(logits), 12);
        Close([h], TokenEntropy.FromLogits(F64([0, 2 * Math.Log(3)], 1, 1, 2), temperature: 2.0), 12);
    }

    [Fact]
    public void Gradient_matches_the_two_word_derivation()
    {
        using var scope = torch.NewDisposeScope();
        // V = 2, z = [0, a], p = σ(a): H = −p ln p − (1−p) ln(1−p), dH/da = p(1−p)·ln((1−p)/p).
        // At a = ln 3, p = 3/4: dH/da = (3/16)·ln(1/3); dH/dz₀ = −dH/da (softmax is shift-invariant).
        var logits = F64([0, Math.Log(3)], 1, 1, 2).requires_grad_(true);
        TokenEntropy.FromLogits(logits).sum().backward();
        double dA = 3.0 / 16 * Math.Log(1.0 / 3);
        Close([-dA, dA], logits.grad!, 12);
    }

    [Fact]
    public void Vectorised_matches_a_loop_on_seeded_random_logits()
    {
        using var scope = torch.NewDisposeScope();
        const int rows = 2,
            tokens = 3,
            vocabulary = 5;
        var random = new Random(3);
        double[] logits = Enumerable
            .Range(0, rows * tokens * vocabulary)
            .Select(_ => 6 * random.NextDouble() - 3)
            .ToArray();
        var expected = new double[rows * tokens];
        for (int p = 0; p < rows * tokens; p++)
        {
            var z = logits.Skip(p * vocabulary).Take(vocabulary).Select(v => v / 0.7).ToArray();
            double max = z.Max(),
                partition = z.Sum(v => Math.Exp(v - max));
            expected[p] = -z.Sum(v => Math.Exp(v - max) / partition * (v - max - Math.Log(partition)));
        }
        Close(expected, TokenEntropy.FromLogits(F64(logits, rows, tokens, vocabulary), 0.7), 12);
    }

    [Fact]
    public void Policy_entropy_is_the_mean_of_row_token_means()
    {
        using var scope = torch.NewDisposeScope();
        // rows [1,2,3] mask [1,1,0] → 1.5;  [4,5,6] mask [1,1,1] → 5;  mean 3.25.
        var entropy = F64([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(3.25, TokenEntropy.PolicyEntropy(entropy, F64([1, 1, 0, 1, 1, 1], 2, 3)).item<double>(), 12);
    }
}
