using SaEI.Gpu.Perturbations;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Perturbations;

public sealed class DiffusionNoiseTests
{
    public DiffusionNoiseTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Hand_computed_schedule_ends()
    {
        // β_0 = sigmoid(−6)·(5e-3 − 1e-5) + 1e-5 = 0.0024726232·0.00499 + 1e-5 = 2.2338389551607526e-5
        // β_999 = sigmoid(6)·0.00499 + 1e-5 = 0.004987661610448393;  ᾱ_0 = 1 − β_0.
        Assert.Equal(2.2338389551607526e-5, DiffusionNoise.Beta(0), 15);
        Assert.Equal(0.004987661610448393, DiffusionNoise.Beta(999), 15);
        Assert.Equal(1 - 2.2338389551607526e-5, DiffusionNoise.AlphaBar(0), 15);
        Assert.Equal(0.0812491943039999, DiffusionNoise.AlphaBar(999), 12);
    }

    [Fact]
    public void Alpha_bar_loop_matches_a_vectorised_torch_cumprod()
    {
        using var scope = torch.NewDisposeScope();
        var betas = torch.sigmoid(torch.linspace(-6, 6, 1000, dtype: ScalarType.Float64)) * (5e-3 - 1e-5) + 1e-5;
        var alphaBars = Values((1 - betas).cumprod(0));
        for (int t = 0; t < 1000; t += 37)
            Assert.Equal(alphaBars[t], DiffusionNoise.AlphaBar(t), 12);
    }

    [Theory]
    [InlineData(1, 499)]
    [InlineData(27, 499)]
    [InlineData(30, 496)]
    [InlineData(40, 250)]
    [InlineData(50, 3)]
    [InlineData(53, 0)]
    [InlineData(60, 0)]
    public void Annealing_at_sixty_steps_matches_the_sanity_numbers(int step, int expected)
    {
        // decay = 1 − sigmoid(30·(step/60 − 40/60)); t = ⌊500·decay⌋. Step 40: sigmoid(0) = ½ → 250.
        // Step 30: 500·(1 − sigmoid(−5)) = 496.65 → 496.  Step 50: 500·(1 − sigmoid(5)) = 3.35 → 3.
        Assert.Equal(expected, DiffusionNoise.AnnealedStep(500, step, 60, 30, 40));
    }

    [Fact]
    public void The_first_rl_step_is_noisy_rollouts_global_step_one()
    {
        // Issue #11 item 11. T = 2, c = 30, m = 1, t₀ = 500. The first step (index 0) is global_step 1:
        // decay = 1 − sigmoid(30·(1/2 − 1/2)) = 1 − ½ → t = ⌊500·½⌋ = 250. (Read as step 0, the old bug:
        // 1 − sigmoid(−15) ≈ 1 − 3.1e-7 → ⌊499.99985⌋ = 499.) The last step, global_step 2:
        // 1 − sigmoid(15) ≈ 3.06e-7 → ⌊1.5e-4⌋ = 0.
        var options = new RlOptions
        {
            Method = RlMethod.NoisyRollout,
            NoiseStep = 500,
            NoiseAnnealSharpness = 30,
            NoiseAnnealMidpoint = 1,
        };
        Assert.Equal(250, DiffusionNoise.NoiseStepFor(options, stepIndex: 0, totalSteps: 2));
        Assert.Equal(0, DiffusionNoise.NoiseStepFor(options, stepIndex: 1, totalSteps: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DiffusionNoise.NoiseStepFor(options, stepIndex: -1, totalSteps: 2)
        );
    }

    [Fact]
    public void Methods_pick_annealed_or_fixed_steps_and_others_are_rejected()
    {
        var noisy = new RlOptions { Method = RlMethod.NoisyRollout };
        Assert.Equal(250, DiffusionNoise.NoiseStepFor(noisy, stepIndex: 39, totalSteps: 60)); // global_step 40
        var random = new RlOptions { Method = RlMethod.RandomNoise, RandomNoiseStep = 300 };
        Assert.Equal(300, DiffusionNoise.NoiseStepFor(random, 0, 60));
        Assert.Equal(300, DiffusionNoise.NoiseStepFor(random, 59, 60));
        var error = Assert.Throws<ArgumentException>(() => DiffusionNoise.NoiseStepFor(new RlOptions(), 0, 60));
        Assert.Contains("Grpo", error.Message);
    }

    [Fact]
    public void Noise_follows_the_formula_with_the_explicit_generator()
    {
        using var scope = torch.NewDisposeScope();
        // x_t = clamp(√ᾱ_t·x₀ + √(1−ᾱ_t)·ε, 0, 1), with ε from a generator seeded like the one passed in.
        var pixels = torch.rand(2, 3, 4, 4, dtype: ScalarType.Float32, generator: new torch.Generator(3, torch.CPU));
        using var generator = new torch.Generator(17, torch.CPU);
        var noisy = DiffusionNoise.Apply(pixels, 300, generator);

        using var reference = new torch.Generator(17, torch.CPU);
        double[] epsilon = Values(torch.randn([2, 3, 4, 4], dtype: ScalarType.Float32, generator: reference));
        double[] clean = Values(pixels);
        double alphaBar = DiffusionNoise.AlphaBar(300);
        double[] expected = clean
            .Select((x, i) => Math.Clamp(Math.Sqrt(alphaBar) * x + Math.Sqrt(1 - alphaBar) * epsilon[i], 0, 1))
            .ToArray();
        Close(expected, noisy, 5);
        Assert.Equal(ScalarType.Float32, noisy.dtype);
        Assert.Contains(Values(noisy), v => v is 0 or 1); // t = 300 noise (std 0.19) reaches the clamp somewhere

        using var other = new torch.Generator(18, torch.CPU);
        Assert.NotEqual(Values(noisy), Values(DiffusionNoise.Apply(pixels, 300, other)));
    }
}
