using System.Globalization;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Training;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// Issue 12 on the trainer: the RL methods on a tiny random Qwen2.5-VL loaded from a checkpoint folder
/// (<see cref="TinyQwenFolder"/>) with prompts whose images have different sizes, so the policy sees mixed image
/// token counts (56×84 and 84×56: 6 tokens; 112×112: 16) in one batch. SaEI resumes bit for bit from a checkpoint
/// on CPU with one thread; GRPO and NoisyRollout take a step with finite metrics.
/// </summary>
public sealed class QwenTrainingTests : IDisposable
{
    private const int Steps = 4;

    private static readonly (int Height, int Width)[] Sizes = [(56, 84), (84, 56), (112, 112)];

    private readonly string root = Directory.CreateTempSubdirectory("saei-qwen-train-").FullName;

    public QwenTrainingTests() => TorchRuntime.Initialize(1);

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Seeded random images of <see cref="Sizes"/> (cycled) with short arithmetic questions.</summary>
    internal static IReadOnlyList<VisualProblem> MixedProblems(int count, int seed = 5)
    {
        var random = new Random(seed);
        return
        [
            .. Enumerable
                .Range(0, count)
                .Select(i =>
                {
                    var (height, width) = Sizes[i % Sizes.Length];
                    var rgb = new byte[height * width * 3];
                    random.NextBytes(rgb);
                    return new VisualProblem(
                        $"p{i}",
                        $"What is {i} + 2?",
                        (i + 2).ToString(CultureInfo.InvariantCulture),
                        null,
                        new RgbImage(width, height, rgb),
                        "test",
                        "sum"
                    );
                }),
        ];
    }

    /// <summary>A Qwen folder (written once per seed into this test's temporary root) loaded as a policy.</summary>
    private Qwen25VlPolicy Policy(long seed = 7)
    {
        string folder = Path.Combine(root, $"qwen-{seed}");
        if (!Directory.Exists(folder))
            TinyQwenFolder.Write(folder, seed);
        return Qwen25VlPolicy.Load(folder, CPU);
    }

    private static RlOptions QwenOptions(RlMethod method) => Options(method) with { MaxNewTokens = 4 };

    [Fact]
    public void A_saei_run_on_qwen_with_mixed_image_sizes_resumes_from_a_checkpoint_bit_for_bit()
    {
        // Five problems for two prompts a step: the cursor crosses an epoch (reshuffle) during the run.
        var problems = MixedProblems(5);
        var options = QwenOptions(RlMethod.Saei);

        using var straightPolicy = Policy();
        using var straightReference = Policy();
        using var straight = new RlTrainer(straightPolicy, straightReference, options, problems, Steps, seed: 13);
        var straightMetrics = new List<IReadOnlyDictionary<string, double>>();
        for (int i = 0; i < Steps; i++)
            straightMetrics.Add(straight.Step());

        IReadOnlyDictionary<string, byte[]> files;
        using (var firstPolicy = Policy())
        using (var firstReference = Policy())
        using (var first = new RlTrainer(firstPolicy, firstReference, options, problems, Steps, seed: 13))
        {
            for (int i = 0; i < Steps / 2; i++)
                first.Step();
            files = TrainingCheckpoint.Write(first);
        }

        using var freshPolicy = Policy(seed: 99); // other weights: all must come from the files
        using var freshReference = Policy();
        using var resumed = RlTrainer.Restore(files, freshPolicy, freshReference, problems);
        Assert.Equal(Steps / 2, resumed.StepIndex);
        var resumedMetrics = new List<IReadOnlyDictionary<string, double>>();
        for (int i = 0; i < Steps / 2; i++)
            resumedMetrics.Add(resumed.Step());

        var expected = straightPolicy.NamedParameters();
        var actual = freshPolicy.NamedParameters();
        Assert.Equal(expected.Select(p => p.Name), actual.Select(p => p.Name));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(
                expected[i].Parameter.eq(actual[i].Parameter).all().item<bool>(),
                $"parameter {expected[i].Name} differs after resume"
            );
        for (int step = 0; step < Steps / 2; step++)
            foreach (
                var (key, value) in straightMetrics[Steps / 2 + step]
                    .Where(m => !m.Key.StartsWith("timing_s/", StringComparison.Ordinal))
            )
                Assert.True(
                    value.Equals(resumedMetrics[step][key]),
                    $"step {Steps / 2 + step + 1}: {key} is {value} straight, {resumedMetrics[step][key]} resumed"
                );
        Assert.Equal(
            TrainingCheckpoint.Write(straight)["optimizer.bin"],
            TrainingCheckpoint.Write(resumed)["optimizer.bin"]
        );

        // The run trained: the weights moved away from the base model's.
        using var basePolicy = Policy();
        Assert.Contains(
            basePolicy.NamedParameters().Zip(expected),
            pair => !pair.First.Parameter.eq(pair.Second.Parameter).all().item<bool>()
        );
    }

    [Theory]
    [InlineData(RlMethod.Grpo)]
    [InlineData(RlMethod.NoisyRollout)]
    public void One_step_on_qwen_with_mixed_image_sizes_runs_with_finite_metrics(RlMethod method)
    {
        using var policy = Policy();
        using var reference = Policy();
        var problems = MixedProblems(3);
        using var trainer = new RlTrainer(policy, reference, QwenOptions(method), problems, totalSteps: 4, seed: 2)
        {
            TraceTensors = true,
        };

        var metrics = trainer.Step();

        Assert.All(metrics, m => Assert.True(double.IsFinite(m.Value), $"{m.Key} = {m.Value}"));
        Assert.True(metrics["actor/grad_norm"] > 0, "no gradient reached the Qwen parameters");
        var group = trainer.LastTrace!.Group;
        Assert.False(
            group.CleanImages.IsUniform,
            $"one step's prompts should mix sizes; got {string.Join(", ", group.CleanImages.Sizes)}"
        );
        Assert.Equal(group.CleanImages.Sizes, group.SamplingImages.Sizes);
        if (method == RlMethod.Grpo)
            return;
        using var scope = NewDisposeScope();
        var padding = group.SamplingImages.Mask().expand_as(group.SamplingImages.Pixels).eq(0);
        Assert.Equal(0f, group.SamplingImages.Pixels.masked_select(padding).abs().max().item<float>());
    }
}
