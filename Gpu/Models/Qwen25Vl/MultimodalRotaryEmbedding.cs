using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL's multimodal rotary position embedding (M-RoPE, docs/qwen25vl.md §1.5; HF
/// <c>Qwen2_5_VLRotaryEmbedding</c> and <c>apply_multimodal_rotary_pos_emb</c>):
/// <code>
/// inv_freq[j] = 1 / θ^(2j/d)                         j ∈ [0, d/2)
/// angle[a,n,t,j] = position_ids[a,n,t] · inv_freq[j]  a ∈ {temporal, height, width}
/// cos' = cat over chunks c of (mrope_section · 2) of cos(cat(angle, angle))[c mod 3, ..., chunk c]
/// q' = q·cos' + rotate_half(q)·sin',   rotate_half(x) = cat(−x₂, x₁)
/// </code>
/// For text-only rows the three position rows are equal and this is ordinary 1-D RoPE.
/// Decisions:
/// 1. inv_freq, the angles, cos and sin are float32 and then cast to the hidden dtype, as HF does (in bfloat16 the
///    rotation itself runs in bfloat16, exactly like HF).
/// 2. The section split happens once per forward (cos/sin [N,1,T,d] are shared by every layer), not per layer.
/// </summary>
internal static class MultimodalRotaryEmbedding
{
    /// <summary>positionIds [3,N,T] int64 → (cos, sin) [N,1,T,d] in <paramref name="dtype"/>.</summary>
    public static (Tensor Cos, Tensor Sin) CosSin(Tensor positionIds, Qwen25VlConfig config, ScalarType dtype)
    {
        if (positionIds.dim() != 3 || positionIds.shape[0] != 3)
            throw new ArgumentException(
                $"M-RoPE expects position_ids [3,N,T]; got [{string.Join(",", positionIds.shape)}].",
                nameof(positionIds)
            );
        using var scope = NewDisposeScope();
        int headDim = config.HeadDim;
        using var dimension = headDim.ToScalar();
        var exponents = arange(Scalars.ZeroInt, dimension, Scalars.Two, int64, positionIds.device)
            .to_type(float32)
            .div(dimension); // [d/2]
        // A 0-dim CPU tensor: PyTorch passes it to a device kernel as a scalar argument (no host-to-device copy per
        // step).
        var theta = tensor(config.RopeTheta, float32); // [] rope_theta
        var inverseFrequency = pow(theta, exponents).reciprocal(); // [d/2] float32
        var angles = positionIds.to_type(float32).unsqueeze(-1) * inverseFrequency; // [3,N,T,d/2]
        var emb = cat([angles, angles], -1); // [3,N,T,d]
        var cos = SelectSections(emb.cos().to_type(dtype), config.MropeSection); // [N,1,T,d]
        var sin = SelectSections(emb.sin().to_type(dtype), config.MropeSection);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>x [N,H,T,d], cos/sin [N,1,T,d] → x·cos + rotate_half(x)·sin.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1); // [N,H,T,d]
        return x.mul(cos).add(rotated.mul(sin), Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// table [3,N,T,d] → [N,1,T,d]: the last dimension is cut into mrope_section·2 chunks (e.g. [16,24,24,16,24,24]),
    /// chunk c taken from axis c mod 3 (temporal, height, width).
    /// </summary>
    private static Tensor SelectSections(Tensor table, int[] mropeSection)
    {
        using var scope = NewDisposeScope();
        var chunks = new List<Tensor>(2 * mropeSection.Length);
        long start = 0;
        for (int c = 0; c < 2 * mropeSection.Length; c++)
        {
            int width = mropeSection[c % mropeSection.Length];
            chunks.Add(table[c % 3].narrow(-1, start, width)); // [N,T,width]
            start += width;
        }
        return cat(chunks, -1).unsqueeze(1).MoveToOuterDisposeScope(); // [N,1,T,d]
    }
}
