using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// 1-D rotary positions (Qwen2, and Qwen2.5-VL's M-RoPE for text-only rows): inv_freq = 1/θ^(2i/d),
/// cos/sin of position·inv_freq duplicated to d, q' = q·cos + rotate_half(q)·sin.
/// Decision: TinyVlm gives image tokens ordinary sequence positions (no 3-D M-RoPE); positions come from the
/// cumulative attention mask so left padding does not shift them.
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>positions [N,T] int64 → (cos, sin) [N,1,T,d] in <paramref name="dtype"/>.</summary>
    public static (Tensor Cos, Tensor Sin) CosSin(Tensor positions, int headDim, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var dimension = headDim.ToScalar();
        // [d/2]
        var exponents = arange(Scalars.ZeroInt, dimension, Scalars.Two, float64, positions.device).div(dimension);
        var inverseFrequency = pow(theta, exponents).reciprocal(); // [d/2]
        var freqs = positions.to_type(float64).unsqueeze(-1) * inverseFrequency; // [N,T,d/2]
        var emb = cat([freqs, freqs], -1).unsqueeze(1); // [N,1,T,d]
        return (emb.cos().to_type(dtype).MoveToOuterDisposeScope(), emb.sin().to_type(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>x [N,H,T,d] → x·cos + rotate_half(x)·sin, rotate_half(x) = cat(−x₂, x₁).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
        return (x * cos).add(rotated * sin, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>attentionMask [N,T] (1 token, 0 pad) → positions [N,T] = cumsum − 1, pads clamped to 0.</summary>
    public static Tensor PositionIds(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        return attentionMask
            .to_type(int64)
            .cumsum(1)
            .sub(Scalars.One)
            .clamp_min(Scalars.ZeroInt)
            .MoveToOuterDisposeScope();
    }
}
