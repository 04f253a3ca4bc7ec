using SaEI.Gpu.Training;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// Which image each log-prob pass sees (docs/algorithm.md §3.5, §5), checked by effect: the trainer's log-probs are
/// recomputed with an identical copy of the initial policy on the clean and on the perturbed image, and must match
/// the prescribed one and differ from the other. Swapping either image in the trainer fails these tests.
/// </summary>
public sealed class RlTrainerRoutingTests
{
    private const double Same = 1e-4,
        Different = 1e-3;

    [Fact]
    public void Saei_old_log_probs_of_adversarial_rows_use_the_adversarial_image_and_current_ones_the_clean_image()
    {
        // One mini-batch (MiniBatchPrompts = PromptsPerStep): every current log-prob is computed before any update,
        // so it equals the initial policy's on whichever image the trainer fed.
        var options = Options(RlMethod.Saei) with
        {
            MiniBatchPrompts = 2,
            StepSize = 0.1,
        };
        using var policy = Model();
        using var reference = Model();
        using var twin = Model();
        using var trainer = new RlTrainer(policy, reference, options, Problems(4), totalSteps: 10, seed: 5)
        {
            TraceTensors = true,
        };
        trainer.Step();
        var trace = trainer.LastTrace!;
        var group = trace.Group;
        using var onClean = LogProbsOn(twin, group, group.CleanImages);
        using var onSampling = LogProbsOn(twin, group, group.SamplingImages);
        var perturbed = Rows(group, perturbed: true).ToArray();
        var clean = Rows(group, perturbed: false).ToArray();
        Assert.Equal(4, perturbed.Length);
        Assert.True(
            MaxDifference(onClean, onSampling, perturbed) > Different,
            "the adversarial image must change the log-probs for this test to mean anything"
        );

        Assert.True(
            MaxDifference(trace.OldLogProbs, onSampling, perturbed) < Same,
            "old log-probs of adversarial rows must be on the adversarial image"
        );
        Assert.True(
            MaxDifference(trace.OldLogProbs, onClean, perturbed) > Different,
            "old log-probs of adversarial rows were computed on the clean image"
        );
        Assert.True(
            MaxDifference(trace.OldLogProbs, onClean, clean) < Same,
            "old log-probs of clean rows must be on the clean image"
        );
        Assert.True(
            MaxDifference(trace.CurrentLogProbs, onClean, [.. clean, .. perturbed]) < Same,
            "current-policy log-probs must be on the clean image"
        );
        Assert.True(
            MaxDifference(trace.CurrentLogProbs, onSampling, perturbed) > Different,
            "current-policy log-probs of adversarial rows used the adversarial image"
        );
        Assert.True(
            MaxDifference(trace.RefLogProbs!, onClean, [.. clean, .. perturbed]) < Same,
            "reference log-probs default to the clean image"
        );
    }

    [Fact]
    public void NoisyRollout_computes_old_log_probs_of_noisy_rows_on_the_clean_image()
    {
        var options = Options(RlMethod.NoisyRollout) with { MiniBatchPrompts = 2, KlCoefficient = 0 };
        using var policy = Model();
        using var twin = Model();
        using var trainer = new RlTrainer(policy, null, options, Problems(4), totalSteps: 10, seed: 5)
        {
            TraceTensors = true,
        };
        trainer.Step();
        var trace = trainer.LastTrace!;
        var group = trace.Group;
        using var onClean = LogProbsOn(twin, group, group.CleanImages);
        using var onNoisy = LogProbsOn(twin, group, group.SamplingImages);
        var perturbed = Rows(group, perturbed: true).ToArray();
        Assert.True(
            MaxDifference(onClean, onNoisy, perturbed) > Different,
            "the noisy image must change the log-probs for this test to mean anything"
        );
        Assert.True(
            MaxDifference(trace.OldLogProbs, onClean, Enumerable.Range(0, group.Rows)) < Same,
            "NoisyRollout's old log-probs must all be on the clean image"
        );
        Assert.True(
            MaxDifference(trace.OldLogProbs, onNoisy, perturbed) > Different,
            "old log-probs of noisy rows were computed on the noisy image"
        );
        Assert.True(
            MaxDifference(trace.CurrentLogProbs, onClean, Enumerable.Range(0, group.Rows)) < Same,
            "current-policy log-probs must be on the clean image"
        );
        Assert.Null(trace.RefLogProbs);
    }

    [Fact]
    public void Reference_on_sampling_image_moves_the_reference_pass_to_the_perturbed_image()
    {
        var options = Options(RlMethod.Saei) with
        {
            MiniBatchPrompts = 2,
            StepSize = 0.1,
            ReferenceOnSamplingImage = true,
        };
        using var policy = Model();
        using var reference = Model();
        using var twin = Model();
        using var trainer = new RlTrainer(policy, reference, options, Problems(4), totalSteps: 10, seed: 5)
        {
            TraceTensors = true,
        };
        trainer.Step();
        var group = trainer.LastTrace!.Group;
        using var onSampling = LogProbsOn(twin, group, group.SamplingImages);
        Assert.True(MaxDifference(trainer.LastTrace.RefLogProbs!, onSampling, Enumerable.Range(0, group.Rows)) < Same);
    }

    [Fact]
    public void Groups_hold_clean_rows_first_then_perturbed_rows_of_the_same_prompt()
    {
        var options = Options(RlMethod.Saei) with { StepSize = 0.1 };
        using var policy = Model();
        using var reference = Model();
        using var trainer = new RlTrainer(policy, reference, options, Problems(4), totalSteps: 10, seed: 5)
        {
            TraceTensors = true,
        };
        trainer.Step();
        var group = trainer.LastTrace!.Group;
        for (int row = 0; row < group.Rows; row++)
        {
            bool sameAsClean = group.SamplingImages.Pixels[row].eq(group.CleanImages.Pixels[row]).all().item<bool>();
            Assert.Equal(!group.IsPerturbed(row), sameAsClean);
            // Every row of a group shows the same prompt's clean image.
            Assert.True(
                group
                    .CleanImages.Pixels[row]
                    .eq(group.CleanImages.Pixels[row / group.GroupSize * group.GroupSize])
                    .all()
                    .item<bool>()
            );
        }
        Assert.Equal(group.Rows, trainer.LastSamples.Count);
        Assert.Equal(2, trainer.LastImagePairs(5).Count);
        Assert.NotEqual(trainer.LastImagePairs(1)[0].Clean, trainer.LastImagePairs(1)[0].Perturbed);
    }
}
