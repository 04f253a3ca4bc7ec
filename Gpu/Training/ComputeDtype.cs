using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// The dtype a run's policy and reference compute in (spec key <c>dtype</c>, issue 13): <c>f32</c> (float32, the
/// CPU default) or <c>bf16</c> (bfloat16 weights and activations, the 7B on a GPU). Whatever the choice, logits,
/// log-probs, entropy and the loss are float32 (the models return float32 logits), and AdamW keeps float32 moments
/// and, for bf16 parameters, a float32 master copy (<see cref="AdamWOptimizer"/>).
/// </summary>
public enum ComputeDtype
{
    /// <summary>float32 parameters and activations.</summary>
    F32,

    /// <summary>bfloat16 parameters and activations; float32 where precision matters (see the models'
    /// headers).</summary>
    Bf16,
}

/// <summary>Conversions of <see cref="ComputeDtype"/>.</summary>
public static class ComputeDtypes
{
    /// <summary>The TorchSharp type of <paramref name="dtype"/>'s parameters.</summary>
    public static ScalarType ToScalarType(this ComputeDtype dtype) =>
        dtype switch
        {
            ComputeDtype.F32 => ScalarType.Float32,
            ComputeDtype.Bf16 => ScalarType.BFloat16,
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown compute dtype; use f32 or bf16."),
        };
}
