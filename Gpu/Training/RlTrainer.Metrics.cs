using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Training;

/// <summary>The step's metrics (<see cref="RlStepMetrics"/>) and what the last step keeps for inspection.</summary>
public sealed partial class RlTrainer
{
    /// <summary>
    /// Up to <paramref name="count"/> (clean, perturbed) image pairs of the last step, one per prompt, as 8-bit images
    /// (the demo's adversarial image sheets). Empty for methods without a perturbation or before the first step.
    /// </summary>
    public IReadOnlyList<ImagePair> LastImagePairs(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (lastCleanImages is null || lastPerturbedImages is null)
            return [];
        int take = Math.Min(count, lastProblemIndices.Length);
        return
        [
            .. Enumerable
                .Range(0, take)
                .Select(b => new ImagePair(
                    problems[lastProblemIndices[b]].Id,
                    ImageTensors.FromImageBatch(lastCleanImages, b),
                    ImageTensors.FromImageBatch(lastPerturbedImages, b)
                )),
        ];
    }

    private void KeepForInspection(
        int[] indices,
        RlSample[] samples,
        ImageBatch cleanImages,
        ImageBatch? perturbedImages
    )
    {
        lastProblemIndices = indices;
        LastSamples = samples;
        lastCleanImages?.Dispose();
        lastPerturbedImages?.Dispose();
        lastCleanImages = perturbedImages is null ? null : OnCpu(cleanImages);
        lastPerturbedImages = perturbedImages is null ? null : OnCpu(perturbedImages);
    }

    /// <summary>A detached CPU copy outside every dispose scope (each row is cropped to its size when
    /// plotted).</summary>
    private static ImageBatch OnCpu(ImageBatch images) =>
        new(images.Pixels.detach().cpu().clone().DetachFromDisposeScope(), images.Sizes);

    private IReadOnlyDictionary<string, double> Metrics(
        RlSample[] samples,
        MixedGroup group,
        UpdateMetrics update,
        double entropyClean,
        double? entropyPerturbed,
        PerturbedImages? perturbed,
        StepTimings timings
    )
    {
        var lengths = group.ResponseMask.sum(1).cpu().data<long>().ToArray(); // [N] |o_i|
        var metrics = new OrderedDictionary<string, double>
        {
            [RlStepMetrics.Step] = StepIndex,
            [RlStepMetrics.RewardOverall] = samples.Average(s => s.Reward),
            [RlStepMetrics.RewardAccuracy] = samples.Average(s => s.Accuracy),
            [RlStepMetrics.RewardFormat] = samples.Average(s => s.Format),
            [RlStepMetrics.PgLoss] = update.PgLoss,
            [RlStepMetrics.KlLoss] = update.KlLoss,
            [RlStepMetrics.PpoKl] = update.PpoKl,
            [RlStepMetrics.PgClipfracHigher] = update.PgClipfracHigher,
            [RlStepMetrics.PgClipfracLower] = update.PgClipfracLower,
            [RlStepMetrics.CovarianceTokenFraction] = update.CovarianceTokenFraction,
            [RlStepMetrics.GradNorm] = update.GradNorm,
            [RlStepMetrics.LearningRate] = optimizer.LearningRate,
            [RlStepMetrics.ResponseLengthMean] = lengths.Average(),
            [RlStepMetrics.ResponseLengthMax] = lengths.Max(),
            [RlStepMetrics.ResponseLengthClipRatio] =
                lengths.Count(l => l >= Options.MaxNewTokens) / (double)lengths.Length,
            [RlStepMetrics.EntropyClean] = entropyClean,
        };
        if (entropyPerturbed is { } h)
            metrics[RlStepMetrics.EntropyPerturbed] = h;
        if (perturbed?.ObjectiveBefore is { } before)
            metrics[RlStepMetrics.AttackObjectiveBefore] = before;
        if (perturbed?.ObjectiveAfter is { } after)
            metrics[RlStepMetrics.AttackObjectiveAfter] = after;
        if (perturbed is not null)
            metrics[RlStepMetrics.AttackLInfinity] = perturbed.LInfinity.Max();
        if (perturbed?.NoiseStep is { } t)
            metrics[RlStepMetrics.AttackNoiseStep] = t;
        metrics[RlStepMetrics.SkippedSteps] = update.SkippedSteps;
        metrics[RlStepMetrics.TimingGeneration] = timings.Generation;
        metrics[RlStepMetrics.TimingAttack] = timings.Attack;
        metrics[RlStepMetrics.TimingOld] = timings.Old;
        metrics[RlStepMetrics.TimingRef] = timings.Reference;
        metrics[RlStepMetrics.TimingAdvantage] = timings.Advantage;
        metrics[RlStepMetrics.TimingUpdate] = timings.Update;
        metrics[RlStepMetrics.TimingStep] = timings.Step;
        return metrics;
    }
}
