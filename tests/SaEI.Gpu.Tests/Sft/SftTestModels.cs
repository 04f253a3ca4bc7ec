using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training.Sft;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Sft;

/// <summary>A TinyVlm small enough to train in seconds: 32 px images (the synthetic minimum), patch 16 → 4 image
/// tokens.</summary>
internal static class SftTestModels
{
    public static TinyVlmConfig Config { get; } =
        new()
        {
            ImageSize = 32,
            PatchSize = 16,
            VisionHiddenSize = 16,
            VisionLayers = 1,
            VisionHeads = 2,
            VisionIntermediateSize = 32,
            HiddenSize = 48,
            Layers = 2,
            Heads = 4,
            KeyValueHeads = 2,
            IntermediateSize = 96,
        };

    /// <summary>Counting at difficulty 1 only: the shortest targets ("&lt;think&gt;2
    /// red&lt;/think&gt;\boxed{2}").</summary>
    public static SyntheticTaskOptions Counting { get; } =
        new()
        {
            Families = [SyntheticFamily.Counting],
            Difficulty = 1,
            ImageSize = 32,
        };

    public static SftOptions Options { get; } =
        new()
        {
            Name = "test",
            Model = Config,
            Task = Counting,
            TrainProblems = 32,
            Steps = 40,
            BatchSize = 8,
            LearningRate = 1e-2,
            WarmupSteps = 5,
            TestProblems = 0,
        };

    public static TinyVlm Create(long seed = 1)
    {
        TorchRuntime.Initialize(1);
        return TinyVlm.Create(Config, seed, CPU);
    }
}
