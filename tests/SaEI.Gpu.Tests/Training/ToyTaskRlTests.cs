using System.Globalization;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tests.Models;
using SaEI.Gpu.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// Issue #4 acceptance: on a task whose answer can only be read from the image (a tinted square → its colour's
/// digit), 30 GRPO steps and 30 SaEI steps on TinyVlm each raise accuracy over the start; every trainable
/// parameter changes; losses stay finite.
/// The start: a short supervised warm-up on the right FORMAT with a random digit (independent of the image), so the
/// model writes "&lt;think&gt;&lt;/think&gt;\boxed{d}" with d about uniform: base accuracy ≈ 1/4, and only RL can
/// tie the digit to the colour.
/// </summary>
public sealed class ToyTaskRlTests(ITestOutputHelper output)
{
    private static readonly Rgb[] Colours = [new(220, 40, 40), new(40, 200, 60), new(50, 70, 230), new(230, 220, 60)];
    private const string Question = "Which digit is this colour?";

    [Fact]
    [Trait("Category", "Slow")]
    public void Grpo_and_saei_each_raise_accuracy_on_a_task_only_the_image_answers()
    {
        var train = ColourProblems(32, seed: 1);
        var evaluation = ColourProblems(16, seed: 2);
        using var warm = TinyModels.Create(seed: 5);
        WarmUp(warm, train, steps: 60, seed: 3);
        double baseAccuracy = Accuracy(warm, evaluation);
        output.WriteLine($"base accuracy {baseAccuracy:F3}");
        Assert.InRange(baseAccuracy, 0.1, 0.6);

        foreach (var method in (RlMethod[])[RlMethod.Grpo, RlMethod.Saei])
        {
            using var policy = Copy(warm);
            var options = new RlOptions
            {
                Method = method,
                GroupSize = 8,
                PromptsPerStep = 8,
                MiniBatchPrompts = 4,
                MicroBatchResponses = 32,
                MaxNewTokens = 8,
                LearningRate = 2e-3,
                KlCoefficient = 0,
            };
            using var trainer = new RlTrainer(policy, null, options, train, totalSteps: 30, seed: 7);
            for (int step = 0; step < 30; step++)
            {
                var metrics = trainer.Step();
                Assert.True(
                    double.IsFinite(metrics[RlStepMetrics.PgLoss]) && double.IsFinite(metrics[RlStepMetrics.GradNorm]),
                    $"{method} step {step}"
                );
                Assert.Equal(0, metrics[RlStepMetrics.SkippedSteps]);
            }
            double accuracy = Accuracy(policy, evaluation);
            output.WriteLine($"{method}: accuracy {accuracy:F3} after 30 steps");
            Assert.True(
                accuracy > baseAccuracy + 0.1,
                $"{method} accuracy {accuracy:F3} did not rise over the base {baseAccuracy:F3}"
            );
            var before = warm.NamedParameters();
            var after = policy.NamedParameters();
            for (int i = 0; i < before.Count; i++)
                Assert.False(
                    before[i].Parameter.eq(after[i].Parameter).all().item<bool>(),
                    $"{method}: {after[i].Name} did not change"
                );
        }
    }

    /// <summary>Solid squares of one of four colours, each channel jittered by ±20: answer = colour index +
    /// 1.</summary>
    internal static IReadOnlyList<VisualProblem> ColourProblems(int count, int seed)
    {
        var random = new Random(seed);
        return
        [
            .. Enumerable
                .Range(0, count)
                .Select(i =>
                {
                    int colour = i % Colours.Length;
                    byte Jitter(byte value) => (byte)Math.Clamp(value + random.Next(-20, 21), 0, 255);
                    var tint = new Rgb(Jitter(Colours[colour].R), Jitter(Colours[colour].G), Jitter(Colours[colour].B));
                    return new VisualProblem(
                        $"colour-{seed}-{i}",
                        Question,
                        (colour + 1).ToString(CultureInfo.InvariantCulture),
                        null,
                        RgbImage.Filled(TrainerFixtures.ImageSize, TrainerFixtures.ImageSize, tint),
                        "toy",
                        "colour"
                    );
                }),
        ];
    }

    /// <summary>Teacher-forced cross-entropy on "&lt;think&gt;&lt;/think&gt;\boxed{d}" + EOS with a random digit
    /// d.</summary>
    private static void WarmUp(TinyVlm model, IReadOnlyList<VisualProblem> problems, int steps, int seed)
    {
        var random = new Random(seed);
        using var optimizer = new AdamWOptimizer(model.NamedParameters(), 3e-3);
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var batch = problems.Take(16).ToArray();
            using var prompts = Prompts(model, batch);
            var responses = batch
                .Select(_ =>
                    model
                        .Tokenizer.Encode($"<think></think>\\boxed{{{random.Next(1, 5)}}}")
                        .Append(model.Tokenizer.EndOfSequenceId)
                        .Select(id => (long)id)
                        .ToArray()
                )
                .ToArray();
            var responseIds = tensor(responses.SelectMany(r => r).ToArray(), [batch.Length, responses[0].Length]);
            var responseMask = ones_like(responseIds);
            optimizer.ZeroGrad();
            var logProbs = TeacherForcing
                .Score(
                    model,
                    prompts.Images,
                    prompts.InputIds,
                    prompts.AttentionMask,
                    responseIds,
                    responseMask,
                    1.0,
                    false
                )
                .LogProbs;
            (-logProbs.mean()).backward();
            optimizer.Step();
        }
    }

    /// <summary>Mean accuracy of 8 samples per problem at temperature 1 from a fixed seed.</summary>
    private static double Accuracy(TinyVlm model, IReadOnlyList<VisualProblem> problems)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11, CPU);
        using var prompts = Prompts(model, problems);
        using var rollout = Generation.Generate(
            model,
            prompts,
            new GenerationOptions { ResponsesPerPrompt = 8, MaxNewTokens = 8 },
            generator
        );
        long[] ids = rollout.ResponseIds.data<long>().ToArray();
        int length = (int)rollout.ResponseIds.shape[1];
        double correct = 0;
        for (int row = 0; row < rollout.Count; row++)
        {
            string response = model.Tokenizer.Decode([.. ids.Skip(row * length).Take(length).Select(id => (int)id)]);
            correct += ProblemReward.Score(response, problems[row / 8], 0.9).Accuracy;
        }
        return correct / rollout.Count;
    }

    private static PromptBatch Prompts(TinyVlm model, IReadOnlyList<VisualProblem> problems) =>
        PromptBatch.Create(
            model,
            ModelInputs.ToTensors(model, [.. problems.Select(p => p.Image)]),
            [.. problems.Select(p => p.Problem)]
        );

    private static TinyVlm Copy(TinyVlm source)
    {
        var copy = TinyModels.Create(seed: 1);
        using var noGrad = no_grad();
        var from = source.NamedParameters();
        var to = copy.NamedParameters();
        for (int i = 0; i < from.Count; i++)
            to[i].Parameter.copy_(from[i].Parameter);
        return copy;
    }
}
