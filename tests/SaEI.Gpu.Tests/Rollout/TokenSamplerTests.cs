using SaEI.Gpu.Rollout;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Rollout;

public sealed class TokenSamplerTests
{
    [Fact]
    public void Greedy_picks_the_argmax_with_its_softmax_log_probability()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        // z = [0, ln 3, 0]: softmax = [1/5, 3/5, 1/5], argmax 1, log-prob ln(3/5).
        var logits = tensor(new[] { 0f, (float)Math.Log(3), 0f }).unsqueeze(0);
        using var generator = new Generator(1, CPU);
        var (tokens, logProbs) = TokenSampler.Sample(logits, 0, 1, generator);
        Assert.Equal(1, tokens[0].item<long>());
        Assert.Equal(Math.Log(0.6), logProbs[0].item<float>(), 5);
    }

    [Fact]
    public void Top_p_keeps_only_the_nucleus_and_log_probs_use_the_tempered_distribution()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        // p = [0.5, 0.3, 0.15, 0.05]; top_p = 0.7: mass before tokens = [0, 0.5, 0.8, 0.95] → keep tokens 0 and 1.
        var probabilities = new[] { 0.5, 0.3, 0.15, 0.05 };
        var logits = tensor(probabilities.Select(p => Math.Log(p)).ToArray(), float32).unsqueeze(0).expand(2000, 4);
        using var generator = new Generator(2, CPU);
        var (tokens, logProbs) = TokenSampler.Sample(logits, 1.0, 0.7, generator);
        long[] drawn = tokens.data<long>().ToArray();
        Assert.All(drawn, t => Assert.InRange(t, 0, 1));
        // Renormalised nucleus: P(0) = 0.5/0.8 = 0.625 (± 4 standard errors of 2000 draws ≈ 0.043).
        Assert.InRange(drawn.Count(t => t == 0) / 2000.0, 0.58, 0.67);
        Assert.Equal(Math.Log(probabilities[drawn[0]]), logProbs[0].item<float>(), 5);
    }

    [Fact]
    public void Temperature_sharpens_or_flattens_the_sampled_log_probs()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        // z = [0, ln 3], T = 2: softmax(z/2) ∝ [1, √3] → log p = [−ln(1+√3), ln √3 − ln(1+√3)].
        var logits = tensor(new[] { 0f, (float)Math.Log(3) }).unsqueeze(0).expand(50, 2);
        using var generator = new Generator(3, CPU);
        var (tokens, logProbs) = TokenSampler.Sample(logits, 2.0, 1.0, generator);
        long[] drawn = tokens.data<long>().ToArray();
        float[] values = logProbs.data<float>().ToArray();
        double[] expected = [-Math.Log(1 + Math.Sqrt(3)), Math.Log(Math.Sqrt(3)) - Math.Log(1 + Math.Sqrt(3))];
        for (int i = 0; i < drawn.Length; i++)
            Assert.Equal(expected[drawn[i]], values[i], 5);
        Assert.Contains(0L, drawn);
        Assert.Contains(1L, drawn);
    }
}
