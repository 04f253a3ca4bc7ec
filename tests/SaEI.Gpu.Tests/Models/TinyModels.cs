using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models;

/// <summary>Test-sized TinyVlm models and prompts (16×16 images, patch 8 → 4 image tokens, width 32).</summary>
internal static class TinyModels
{
    /// <summary>Wider initialisation than the default so greedy argmax is far from ties and entropy varies.</summary>
    public static TinyVlmConfig TestConfig { get; } =
        new()
        {
            ImageSize = 16,
            PatchSize = 8,
            VisionHiddenSize = 16,
            VisionLayers = 1,
            VisionHeads = 2,
            VisionIntermediateSize = 32,
            HiddenSize = 32,
            Layers = 2,
            Heads = 4,
            KeyValueHeads = 2,
            IntermediateSize = 64,
            InitializerRange = 0.2,
        };

    public static TinyVlm Create(long seed = 1, TinyVlmConfig? config = null)
    {
        TorchRuntime.Initialize(1);
        var model = TinyVlm.Create(config ?? TestConfig, seed, CPU);
        model.SetTraining(false);
        return model;
    }

    /// <summary>Same shape and exactly equal values.</summary>
    public static bool Same(this Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>Seeded random images [3,H,W] in [0,1] and problems of different lengths (so prompts get left
    /// padding).</summary>
    public static PromptBatch Prompts(TinyVlm model, int count, long seed = 7)
    {
        using var generator = new Generator((ulong)seed, CPU);
        int size = model.Config.ImageSize;
        var images = Enumerable.Range(0, count).Select(_ => rand([3, size, size], generator: generator)).ToList();
        string[] problems = [.. Enumerable.Range(0, count).Select(i => "What is " + new string('7', i + 1) + " + 1?")];
        var batch = PromptBatch.Create(model, images, problems);
        foreach (var image in images)
            image.Dispose();
        return batch;
    }
}
