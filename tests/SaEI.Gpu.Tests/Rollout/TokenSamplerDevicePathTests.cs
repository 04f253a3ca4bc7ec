using SaEI.Gpu.Rollout;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Rollout;

/// <summary>
/// The inverse-CDF draw TokenSampler uses off CPU (uniforms from the CPU generator, cumsum + searchsorted on the
/// logits' device), forced here on CPU; the CPU default stays multinomial.
/// </summary>
public sealed class TokenSamplerDevicePathTests
{
    private static readonly double[] Probabilities = [0.1, 0.0, 0.2, 0.3, 0.4];

    private static Tensor Logits(int rows) =>
        tensor(Probabilities.Select(p => p == 0 ? float.NegativeInfinity : (float)Math.Log(p)).ToArray())
            .unsqueeze(0)
            .expand(rows, Probabilities.Length);

    [Fact]
    public void Inverse_cdf_draws_follow_the_distribution_and_never_pick_a_zero_mass_token()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        const int rows = 20000;
        using var generator = new Generator(11, CPU);
        var (tokens, logProbs) = TokenSampler.Sample(Logits(rows), 1.0, 1.0, generator, inverseCdf: true);
        long[] drawn = tokens.data<long>().ToArray();
        Assert.DoesNotContain(1L, drawn);
        // Pearson chi-square over the 4 tokens with mass (3 degrees of freedom): the 0.999 quantile is 16.27.
        double chiSquare = 0;
        foreach (int token in new[] { 0, 2, 3, 4 })
        {
            double expected = rows * Probabilities[token],
                observed = drawn.Count(t => t == token);
            chiSquare += (observed - expected) * (observed - expected) / expected;
        }
        Assert.True(
            chiSquare < 16.27,
            $"chi-square {chiSquare:F2} over 3 degrees of freedom: the draws do not follow p = "
                + $"[{string.Join(", ", Probabilities)}]."
        );
        float[] values = logProbs.data<float>().ToArray();
        for (int i = 0; i < 100; i++)
            Assert.Equal(Math.Log(Probabilities[drawn[i]]), values[i], 5);
    }

    [Fact]
    public void Inverse_cdf_draws_are_a_function_of_the_generator_state()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var logits = Logits(64);
        using var generator = new Generator(12, CPU);
        var saved = generator.get_state();
        long[] first = TokenSampler.Sample(logits, 1.0, 1.0, generator, inverseCdf: true).Tokens.data<long>().ToArray();
        long[] second = TokenSampler
            .Sample(logits, 1.0, 1.0, generator, inverseCdf: true)
            .Tokens.data<long>()
            .ToArray();
        generator.set_state(saved);
        long[] replayed = TokenSampler
            .Sample(logits, 1.0, 1.0, generator, inverseCdf: true)
            .Tokens.data<long>()
            .ToArray();
        using var sameSeed = new Generator(12, CPU);
        long[] fresh = TokenSampler.Sample(logits, 1.0, 1.0, sameSeed, inverseCdf: true).Tokens.data<long>().ToArray();
        Assert.Equal(first, replayed);
        Assert.Equal(first, fresh);
        Assert.NotEqual(first, second); // the generator advanced: 64 draws over 4 tokens repeat with negligible chance
    }

    [Fact]
    public void Inverse_cdf_respects_top_p()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        // Sorted p = [0.4, 0.3, 0.2, 0.1, 0]; top_p = 0.6: mass before = [0, 0.4, 0.7, ...] → keep tokens 4 and 3,
        // renormalised P(4) = 0.4/0.7 ≈ 0.571 (± 4 standard errors of 4000 draws ≈ 0.031).
        using var generator = new Generator(13, CPU);
        long[] drawn = TokenSampler
            .Sample(Logits(4000), 1.0, 0.6, generator, inverseCdf: true)
            .Tokens.data<long>()
            .ToArray();
        Assert.All(drawn, t => Assert.InRange(t, 3, 4));
        Assert.InRange(drawn.Count(t => t == 4) / 4000.0, 0.54, 0.61);
    }

    [Fact]
    public void Greedy_takes_the_argmax_and_leaves_the_generator_untouched_on_either_path()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var generator = new Generator(14, CPU);
        var before = generator.get_state().data<byte>().ToArray();
        foreach (bool inverseCdf in new[] { false, true })
        {
            var tokens = TokenSampler.Sample(Logits(3), 0, 0.5, generator, inverseCdf).Tokens;
            Assert.Equal([4L, 4L, 4L], tokens.data<long>().ToArray());
        }
        Assert.Equal(before, generator.get_state().data<byte>().ToArray());
    }

    [Fact]
    public void On_cpu_the_public_sampler_is_multinomial_with_the_callers_generator()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var logits = Logits(256);
        using var sampling = new Generator(15, CPU);
        using var reference = new Generator(15, CPU);
        long[] sampled = TokenSampler.Sample(logits, 1.0, 1.0, sampling).Tokens.data<long>().ToArray();
        var probs = nn.functional.log_softmax(logits, -1).exp();
        long[] expected = multinomial(probs, 1, false, reference).squeeze(-1).data<long>().ToArray();
        Assert.Equal(expected, sampled);
    }
}
