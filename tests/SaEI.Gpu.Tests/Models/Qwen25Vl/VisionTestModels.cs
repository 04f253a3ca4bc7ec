using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>Vision towers for the tests: case A's weights loaded by checkpoint name, or seeded random
/// weights.</summary>
internal static class VisionTestModels
{
    private const string Prefix = "visual.";

    /// <summary>Case A's tower with model.safetensors' <c>visual.*</c> tensors, in <paramref name="dtype"/>.</summary>
    public static Qwen25VlVisionModel CaseA(ScalarType dtype = ScalarType.Float32)
    {
        TorchRuntime.Initialize(1);
        var model = new Qwen25VlVisionModel(ReferenceCaseA.Config().Vision);
        var all = ReferenceCaseA.Weights();
        try
        {
            LoadByName(
                model,
                all.Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal))
                    .ToDictionary(p => p.Key[Prefix.Length..], p => p.Value)
            );
        }
        finally
        {
            foreach (var tensor in all.Values)
                tensor.Dispose();
        }
        model.to(dtype);
        model.eval();
        return model;
    }

    /// <summary>Loads <paramref name="weights"/> (names without <c>visual.</c>); asserts the names and shapes are
    /// exactly the model's.</summary>
    public static void LoadByName(Qwen25VlVisionModel model, IReadOnlyDictionary<string, Tensor> weights)
    {
        var own = model.state_dict();
        var missing = own.Keys.Except(weights.Keys).Order().ToList();
        var extra = weights.Keys.Except(own.Keys).Order().ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0,
            $"Vision checkpoint names differ from the module's: missing [{string.Join(", ", missing)}], unexpected "
                + $"[{string.Join(", ", extra)}]."
        );
        foreach (var (name, tensor) in own)
            Assert.True(
                tensor.shape.SequenceEqual(weights[name].shape),
                $"{name}: module [{string.Join(",", tensor.shape)}], checkpoint "
                    + $"[{string.Join(",", weights[name].shape)}]."
            );
        model.load_state_dict(weights.ToDictionary(p => p.Key, p => p.Value), strict: true);
    }

    /// <summary>A tower of <paramref name="config"/> with seeded random weights (norm weights around 1, the rest N(0,
    /// 0.2²)).</summary>
    public static (Qwen25VlVisionModel Model, Dictionary<string, Tensor> Weights) Random(
        Qwen25VlVisionConfig config,
        long seed,
        ScalarType dtype = ScalarType.Float64
    )
    {
        TorchRuntime.Initialize(1);
        var model = new Qwen25VlVisionModel(config);
        using var generator = new Generator((ulong)seed, CPU);
        var weights = model
            .state_dict()
            .ToDictionary(
                p => p.Key,
                p =>
                    p.Key.Contains("norm", StringComparison.Ordinal) || p.Key.Contains("ln_q", StringComparison.Ordinal)
                        ? (1.0 + (0.1 * randn(p.Value.shape, ScalarType.Float64, generator: generator)))
                        : 0.2 * randn(p.Value.shape, ScalarType.Float64, generator: generator)
            );
        LoadByName(model, weights);
        model.to(dtype);
        model.eval();
        return (model, weights);
    }

    /// <summary>Case A's vision config with some fields replaced.</summary>
    public static Qwen25VlVisionConfig CaseAVision(int? windowSize = null, int[]? fullAttention = null) =>
        ReferenceCaseA.Config().Vision with
        {
            WindowSize = windowSize ?? ReferenceCaseA.Config().Vision.WindowSize,
            FullAttentionBlockIndexes = fullAttention ?? ReferenceCaseA.Config().Vision.FullAttentionBlockIndexes,
        };

    /// <summary>Seeded images [3,h,w] in [0,1], in <paramref name="dtype"/>.</summary>
    public static List<Tensor> Images(long seed, ScalarType dtype, params (int Height, int Width)[] sizes)
    {
        using var generator = new Generator((ulong)seed, CPU);
        return [.. sizes.Select(s => rand([3, s.Height, s.Width], dtype, generator: generator))];
    }
}
