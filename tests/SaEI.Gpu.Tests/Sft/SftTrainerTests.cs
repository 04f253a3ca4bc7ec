using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training.Sft;

namespace SaEI.Gpu.Tests.Sft;

public sealed class SftTrainerTests
{
    [Fact]
    public void Batch_left_pads_prompts_and_ends_each_response_with_end_of_sequence()
    {
        using var model = SftTestModels.Create();
        var problems = new SyntheticTask(SftTestModels.Counting).Generate(2);
        using var data = SftDataset.Create(
            model,
            [(problems[0], "<think>1</think>\\boxed{1}"), (problems[1], "<think>12 red</think>\\boxed{12}")]
        );
        var batch = data.Batch([0, 1]);
        // Target tokens: <think>, characters, </think>, \boxed{ (one piece each), characters, "}", then EOS.
        int[] expectedLengths = [1 + 1 + 1 + 1 + 1 + 1 + 1, 1 + 6 + 1 + 1 + 2 + 1 + 1];
        Assert.Equal([2L, expectedLengths.Max()], batch.ResponseIds.shape);
        for (int row = 0; row < 2; row++)
        {
            Assert.Equal(expectedLengths[row], batch.ResponseMask[row].sum().item<long>());
            Assert.Equal(
                model.Tokenizer.EndOfSequenceId,
                batch.ResponseIds[row, expectedLengths[row] - 1].item<long>()
            );
            // Prompts end at the last column (left padding), where the assistant turn opens.
            Assert.Equal(1, batch.PromptMask[row, -1].item<long>());
        }
        Assert.Equal(0, batch.ResponseMask[0, -1].item<long>());
        Assert.Equal([2L, 3, 32, 32], batch.Images.Pixels.shape);
    }

    [Fact]
    public void Same_seeds_give_the_same_losses_and_another_shuffle_seed_different_ones()
    {
        var options = SftTestModels.Options with { Steps = 3 };
        var first = Train(options);
        var again = Train(options);
        var reshuffled = Train(options with { ShuffleSeed = 99 });
        Assert.Equal(first.Select(step => step.Loss), again.Select(step => step.Loss));
        Assert.NotEqual(first.Select(step => step.Loss).Skip(1), reshuffled.Select(step => step.Loss).Skip(1));

        static IReadOnlyList<SftStep> Train(SftOptions options)
        {
            using var model = SftTestModels.Create();
            using var data = SftDataset.Synthetic(model, options.Task, options.TrainProblems);
            return SftTrainer.Train(model, data, options);
        }
    }

    [Fact]
    public void A_few_seconds_of_sft_lower_the_loss_and_raise_greedy_accuracy_and_format_above_the_untrained_model()
    {
        var options = SftTestModels.Options;
        using var model = SftTestModels.Create();
        var problems = new SyntheticTask(options.Task).Generate(options.TrainProblems);
        using var data = SftDataset.Synthetic(model, options.Task, options.TrainProblems);
        long[] all = [.. Enumerable.Range(0, data.Count).Select(i => (long)i)];
        var greedy = new EvaluationOptions
        {
            SamplesPerProblem = 1,
            Temperature = 0,
            MaxNewTokens = 16,
            BatchSize = 32,
        };

        double lossBefore = SftTrainer.Loss(model, data, all);
        var before = Evaluator.Evaluate(model, "train", problems, greedy).Overall;
        var steps = SftTrainer.Train(model, data, options);
        double lossAfter = SftTrainer.Loss(model, data, all);
        var after = Evaluator.Evaluate(model, "train", problems, greedy).Overall;

        Assert.Equal(options.Steps, steps.Count);
        Assert.True(lossAfter < 0.5 * lossBefore, $"loss {lossBefore:0.000} → {lossAfter:0.000}");
        Assert.True(
            after.FormatRate > before.FormatRate && after.FormatRate >= 0.9,
            $"format {before.FormatRate} → {after.FormatRate}"
        );
        Assert.True(after.Pass1 > before.Pass1 && after.Pass1 >= 0.25, $"accuracy {before.Pass1} → {after.Pass1}");
    }

    [Fact]
    public void Options_reject_mismatched_image_sizes_and_name_the_fix()
    {
        var options = SftTestModels.Options with { Task = SftTestModels.Counting with { ImageSize = 64 } };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("set them equal", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (SftTestModels.Options with { Steps = 0 }).Validate());
        SftOptions.Default.Validate();
        SftOptions.Quick.Validate();
        Assert.Same(SftOptions.Quick, SftOptions.Preset("Quick"));
    }

    [Fact]
    public void Learning_rate_warms_up_linearly_then_decays_by_cosine_to_a_tenth()
    {
        var options = new SftOptions
        {
            LearningRate = 1.0,
            WarmupSteps = 4,
            Steps = 14,
        };
        Assert.Equal(0.25, options.LearningRateAt(0), 12); // (0+1)/4
        Assert.Equal(1.0, options.LearningRateAt(4), 12); // progress 0: 0.1 + 0.9·1
        Assert.Equal(0.55, options.LearningRateAt(9), 12); // progress 0.5: 0.1 + 0.9·0.5
        Assert.Equal(0.1, options.LearningRateAt(14), 12); // progress 1
    }
}
