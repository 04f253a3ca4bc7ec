using SaEI.Gpu.Models;
using SaEI.Gpu.Perturbations;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Training;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// Issue 12 on the RL side: prompts whose images keep their own sizes (<see cref="NativeSizeTinyVlm"/>) through EgAS,
/// NoisyRollout's noise and whole GRPO / SaEI steps. The padding of every perturbed batch stays exactly 0.
/// </summary>
public sealed class MixedSizeTrainingTests
{
    private static readonly ImageSize[] Sizes = [new(16, 16), new(12, 20), new(20, 8), new(10, 14)];

    /// <summary>Seeded random images of <see cref="Sizes"/> (cycled) with short arithmetic questions.</summary>
    private static IReadOnlyList<VisualProblem> MixedProblems(int count, int seed = 3)
    {
        var random = new Random(seed);
        return
        [
            .. Enumerable
                .Range(0, count)
                .Select(i =>
                {
                    var size = Sizes[i % Sizes.Length];
                    var rgb = new byte[size.Height * size.Width * 3];
                    random.NextBytes(rgb);
                    return new VisualProblem(
                        $"p{i}",
                        $"What is {i} + 1?",
                        (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        null,
                        new RgbImage(size.Width, size.Height, rgb),
                        "test",
                        "sum"
                    );
                }),
        ];
    }

    private static float PaddingMax(ImageBatch images)
    {
        using var scope = NewDisposeScope();
        var padding = images.Mask().expand_as(images.Pixels).eq(0);
        return images.Pixels.masked_select(padding).abs().max().item<float>();
    }

    [Fact]
    public void Egas_on_a_mixed_batch_leaves_the_padding_at_zero_and_raises_the_objective()
    {
        using var model = new NativeSizeTinyVlm(Model(seed: 4));
        using var scope = NewDisposeScope();
        var problems = MixedProblems(4);
        using var prompts = PromptBatch.Create(
            model,
            ModelInputs.ToTensors(model, [.. problems.Select(p => p.Image)]),
            [.. problems.Select(p => p.Problem)]
        );
        Assert.Equal([4L, 3, 20, 20], prompts.Images.Pixels.shape);
        using var generator = new Generator(3, CPU);
        using var rollout = Generation.Generate(
            model,
            prompts,
            new GenerationOptions { ResponsesPerPrompt = 4, MaxNewTokens = 10 },
            generator
        );
        var options = new RlOptions
        {
            Method = RlMethod.Saei,
            StepSize = 2.0 / 255,
            Iterations = 2,
        };

        var attack = RolloutPerturbation.Attack(model, prompts.Images, rollout, options);

        using var adversarial = prompts.Images.WithPixels(attack.Pixels);
        Assert.Equal(0f, PaddingMax(adversarial));
        double before = attack.Objectives[0].Average(),
            after = attack.Objectives[^1].Average();
        Assert.True(
            after > before,
            $"EgAS lowered the mean objective: {before} → {after} (raised for {attack.RaisedFraction:P0})"
        );
        Assert.All(attack.LInfinity, l => Assert.InRange(l, 1e-6, 2 * 2.0 / 255 + 1e-6));
    }

    [Fact]
    public void Noise_stays_inside_each_image_and_uniform_batches_draw_exactly_as_before()
    {
        using var scope = NewDisposeScope();
        using var mixed = ImageBatch.Pack([full(3, 16, 16, 0.5f), full(3, 12, 20, 0.5f)], CPU);
        using var generator = new Generator(9, CPU);
        using var noisy = DiffusionNoise.Apply(mixed, noiseStep: 500, generator);
        Assert.Equal(0f, PaddingMax(noisy));
        Assert.True((noisy.Image(1) - 0.5f).abs().mean().item<float>() > 0.05, "no noise inside the 12×20 image");

        // Uniform: the ImageBatch overload gives bit-identical results to the tensor one from the same seed.
        var pixels = rand(2, 3, 16, 16);
        using var first = new Generator(11, CPU);
        using var second = new Generator(11, CPU);
        var plain = DiffusionNoise.Apply(pixels, 300, first);
        using var batched = DiffusionNoise.Apply(ImageBatch.Uniform(pixels), 300, second);
        Assert.True(plain.eq(batched.Pixels).all().item<bool>());
    }

    [Theory]
    [InlineData(RlMethod.Grpo)]
    [InlineData(RlMethod.Saei)]
    [InlineData(RlMethod.NoisyRollout)]
    public void One_rl_step_on_mixed_sizes_runs_with_finite_metrics(RlMethod method)
    {
        using var policy = new NativeSizeTinyVlm(Model());
        using var reference = new NativeSizeTinyVlm(Model());
        var problems = MixedProblems(4);
        using var trainer = new RlTrainer(policy, reference, Options(method), problems, totalSteps: 10, seed: 2)
        {
            TraceTensors = true,
        };

        var metrics = trainer.Step();

        Assert.All(metrics, m => Assert.True(double.IsFinite(m.Value), $"{m.Key} = {m.Value}"));
        Assert.True(metrics["actor/grad_norm"] > 0);
        var group = trainer.LastTrace!.Group;
        Assert.False(group.CleanImages.IsUniform);
        Assert.Equal(group.CleanImages.Sizes, group.SamplingImages.Sizes);
        Assert.Equal(0f, PaddingMax(group.SamplingImages));
        if (method == RlMethod.Grpo)
            return;
        var pairs = trainer.LastImagePairs(2);
        Assert.Equal(2, pairs.Count);
        foreach (var pair in pairs)
        {
            var original = problems.Single(p => p.Id == pair.ProblemId).Image;
            Assert.Equal((original.Width, original.Height), (pair.Perturbed.Width, pair.Perturbed.Height));
            Assert.Equal(original, pair.Clean);
        }
    }
}
