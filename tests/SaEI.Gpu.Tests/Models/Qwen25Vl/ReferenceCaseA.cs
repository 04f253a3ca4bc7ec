using SaEI.Gpu.Models.Qwen25Vl;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Case A of tests/data/qwen25vl: a tiny random Qwen2.5-VL, its
/// inputs and Hugging Face's outputs (README there: keys and fair tolerances).
/// </summary>
internal static class ReferenceCaseA
{
    public static string Folder => Data("A");

    public static string Data(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                return Path.Combine(dir.FullName, "tests", "data", "qwen25vl", name);
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    }

    public static Qwen25VlConfig Config() => Qwen25VlConfig.Load(Path.Combine(Folder, "config.json"));

    public static ModelCase Inputs() => ModelCase.Load(Path.Combine(Folder, "case.json"));

    /// <summary>expected.safetensors: key → tensor (F32 / I64). The caller disposes them.</summary>
    public static Dictionary<string, Tensor> Expected() =>
        Safetensors.LoadStateDict(Path.Combine(Folder, "expected.safetensors"));

    /// <summary>model.safetensors: HF names → float32 weights. The caller disposes them.</summary>
    public static Dictionary<string, Tensor> Weights() =>
        Safetensors.LoadStateDict(Path.Combine(Folder, "model.safetensors"));

    /// <summary>Asserts max |actual − expected| ≤ tolerance (where <paramref name="valid"/> is 1, broadcast), naming
    /// the key.</summary>
    public static void AssertClose(string key, Tensor actual, Tensor expected, double tolerance, Tensor? valid = null)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var difference = (
            actual.detach().cpu().to_type(ScalarType.Float64) - expected.to_type(ScalarType.Float64)
        ).abs();
        if (valid is not null)
            difference =
                difference
                * valid
                    .to_type(ScalarType.Float64)
                    .reshape([.. valid.shape, .. Enumerable.Repeat(1L, (int)(difference.dim() - valid.dim()))]);
        double max = difference.max().item<double>();
        Assert.True(max <= tolerance, $"{key}: max |Δ| = {max:G4} exceeds the tolerance {tolerance:G4}.");
    }
}
