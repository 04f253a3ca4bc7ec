using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The vision tower's 2-D rotary positions (HF <c>Qwen2_5_VisionRotaryEmbedding</c> and <c>rot_pos_emb</c>,
/// docs/qwen25vl.md §1.2). With r = head_dim/2 rotary channels, inv_freq_i = 1/10000^(2i/r) for i &lt; r/2:
/// <code>
/// angles[s] = [ hpos(s)·inv_freq | wpos(s)·inv_freq ]          [S, r]     (float32)
/// emb = cat(angles, angles);  x' = x·cos(emb) + rotate_half(x)·sin(emb)   (q and k in float32, cast back)
/// </code>
/// hpos/wpos are each patch's row and column in its image, listed in the processor's 2×2 merge-block order and repeated
/// for every frame. Decisions:
/// 1. Angles in float32, computed as HF does (inv_freq from a float32 pow, one float32 product per angle), whatever
///    the model's dtype: the angles reach ~max(h,w) and bf16 would lose them. q and k are rotated in float32, except
///    that a float64 model (finite-difference checks) is never demoted.
/// 2. Positions come from the grid on the host (integers), so nothing here needs a table of max(h,w) rows.
/// </summary>
internal static class VisionRotaryEmbedding
{
    private const double Theta = 10000.0;

    /// <summary>grid (t,h,w) per image → rotary angles [ΣS_i, head_dim/2] float32 on <paramref name="device"/>,
    /// processor order.</summary>
    public static Tensor Angles(IReadOnlyList<long[]> gridThw, int headDim, int mergeSize, Device device)
    {
        using var scope = NewDisposeScope();
        long rotaryDim = headDim / 2;
        long[] positions = Positions(gridThw, mergeSize);
        // [S,2]
        var hw = tensor(positions, [positions.Length / 2, 2], ScalarType.Int64, device).to_type(ScalarType.Float32);
        using var dimension = rotaryDim.ToScalar();
        var theta = tensor(Theta, ScalarType.Float32, device); // []
        // [r/2]
        var exponents = arange(Scalars.ZeroInt, dimension, Scalars.Two, ScalarType.Float32, device).div(dimension);
        var inverseFrequency = pow(theta, exponents).reciprocal(); // [r/2]
        var angles = hw.unsqueeze(-1) * inverseFrequency; // [S,2,r/2]
        return angles.reshape(hw.shape[0], rotaryDim).MoveToOuterDisposeScope(); // [S,r]
    }

    /// <summary>(hpos, wpos) of every patch, flattened [ΣS_i·2], in the processor's merge-block order.</summary>
    public static long[] Positions(IReadOnlyList<long[]> gridThw, int mergeSize)
    {
        var positions = new List<long>();
        foreach (var (t, h, w) in WindowIndex.Validated(gridThw, mergeSize))
        {
            for (long frame = 0; frame < t; frame++)
            {
                for (long blockY = 0; blockY < h / mergeSize; blockY++)
                {
                    for (long blockX = 0; blockX < w / mergeSize; blockX++)
                    {
                        for (long y = 0; y < mergeSize; y++)
                        {
                            for (long x = 0; x < mergeSize; x++)
                            {
                                positions.Add((blockY * mergeSize) + y);
                                positions.Add((blockX * mergeSize) + x);
                            }
                        }
                    }
                }
            }
        }
        return [.. positions];
    }

    /// <summary>q or k [S,H,d] → x·cos + rotate_half(x)·sin in float32 (float64 stays float64), cast back; cos/sin
    /// [S,1,d] float32.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x32 = x.to_type(promote_types(x.dtype, ScalarType.Float32)); // [S,H,d]
        var rotated = cat([x32.narrow(-1, half, half).neg(), x32.narrow(-1, 0, half)], -1); // [S,H,d]
        return (x32 * cos).add(rotated * sin, Scalars.One).to_type(x.dtype).MoveToOuterDisposeScope();
    }
}
