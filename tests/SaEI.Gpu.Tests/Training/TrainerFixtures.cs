using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tests.Models;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>Tiny models, problems and options for trainer tests (16×16 images, TinyModels.TestConfig).</summary>
internal static class TrainerFixtures
{
    public const int ImageSize = 16;

    /// <summary>Seeded random 16×16 images with short arithmetic questions (answers the untrained model never
    /// hits).</summary>
    public static IReadOnlyList<VisualProblem> Problems(int count, int seed = 3)
    {
        var random = new Random(seed);
        return
        [
            .. Enumerable
                .Range(0, count)
                .Select(i =>
                {
                    var rgb = new byte[ImageSize * ImageSize * 3];
                    random.NextBytes(rgb);
                    return new VisualProblem(
                        $"p{i}",
                        $"What is {i} + {i % 3}?",
                        (i + i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        null,
                        new RgbImage(ImageSize, ImageSize, rgb),
                        "test",
                        "sum"
                    );
                }),
        ];
    }

    /// <summary>Small but complete settings: 2 prompts × 4 responses, two mini-batches, micro-batches of 3
    /// rows.</summary>
    public static RlOptions Options(RlMethod method) =>
        new()
        {
            Method = method,
            GroupSize = 4,
            PromptsPerStep = 2,
            MiniBatchPrompts = 1,
            MicroBatchResponses = 3,
            MaxNewTokens = 8,
            LearningRate = 1e-3,
            StepSize = 0.05,
            ClipCovRatio = 0.2,
            ClipCovLowerBound = -5,
        };

    public static TinyVlm Model(long seed = 1) => TinyModels.Create(seed);

    /// <summary>Teacher-forced log-probs of the group's responses on the given per-row images, no gradient.</summary>
    public static Tensor LogProbsOn(TinyVlm model, MixedGroup group, ImageBatch rowImages, double temperature = 1.0)
    {
        using var noGrad = no_grad();
        using var scores = TeacherForcing.Score(
            model,
            rowImages,
            group.PromptIds,
            group.PromptMask,
            group.ResponseIds,
            group.ResponseMask,
            temperature,
            computeEntropy: false
        );
        return scores.LogProbs.clone();
    }

    /// <summary>Largest |a − b| over the given rows.</summary>
    public static double MaxDifference(Tensor a, Tensor b, IEnumerable<int> rows)
    {
        using var scope = NewDisposeScope();
        var index = tensor(rows.Select(r => (long)r).ToArray());
        return (a.index_select(0, index) - b.index_select(0, index)).abs().max().item<float>();
    }

    public static IEnumerable<int> Rows(MixedGroup group, bool perturbed) =>
        Enumerable.Range(0, group.Rows).Where(r => group.IsPerturbed(r) == perturbed);
}
