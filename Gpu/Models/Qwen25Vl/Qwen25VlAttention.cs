using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL text self-attention (HF <c>Qwen2_5_VLAttention</c>, docs/qwen25vl.md §1.4):
/// <code>
/// q, k, v = q_proj(x), k_proj(x), v_proj(x)            (with bias; o_proj without)
/// q, k    = M-RoPE(q), M-RoPE(k)
/// k, v    = repeat_kv(k), repeat_kv(v)                  each of the Hkv heads repeated H/Hkv times contiguously
/// out     = o_proj(softmax_fp32(q·kᵀ · d^-½ + mask).to(dtype) · v)
/// </code>
/// Decisions:
/// 1. Written out (matmul, softmax) rather than scaled_dot_product_attention, so the cached and the full path run
///    the very same kernels and greedy tokens agree exactly.
/// 2. The scores are multiplied by d^-½ (HF's <c>scaling</c>) and the softmax runs in float32 then casts back to the
///    query dtype, as HF's eager attention does in bfloat16.
/// 3. <c>allowed</c> is a boolean mask (true = may attend); a query always sees itself (see
///    <see cref="Qwen25VlTextModel.CausalPaddingMask"/>), so no row softmaxes over nothing.
/// </summary>
internal sealed class Qwen25VlAttention : nn.Module
{
    [ComponentName(Name = "q_proj")]
    private readonly Linear qProj;

    [ComponentName(Name = "k_proj")]
    private readonly Linear kProj;

    [ComponentName(Name = "v_proj")]
    private readonly Linear vProj;

    [ComponentName(Name = "o_proj")]
    private readonly Linear oProj;
    private readonly int heads;
    private readonly int keyValueHeads;
    private readonly int headDim;

    public Qwen25VlAttention(Qwen25VlConfig config)
        : base(nameof(Qwen25VlAttention))
    {
        heads = config.NumAttentionHeads;
        keyValueHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        qProj = nn.Linear(config.HiddenSize, heads * headDim, hasBias: true);
        kProj = nn.Linear(config.HiddenSize, keyValueHeads * headDim, hasBias: true);
        vProj = nn.Linear(config.HiddenSize, keyValueHeads * headDim, hasBias: true);
        oProj = nn.Linear(heads * headDim, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>
    /// x [N,T,D], cos/sin [N,1,T,d], allowed [N,1,T,Tk] bool. With a cache, this call's keys and values are written at
    /// [offset, offset+T) and attention runs over the first Tk = offset+T cached entries; without, Tk = T.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor allowed, LayerKvCache? cache, long offset)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0],
            t = x.shape[1];
        var q = qProj.forward(x).view(n, t, heads, headDim).transpose(1, 2); // [N,H,T,d]
        var k = kProj.forward(x).view(n, t, keyValueHeads, headDim).transpose(1, 2); // [N,Hkv,T,d]
        var v = vProj.forward(x).view(n, t, keyValueHeads, headDim).transpose(1, 2); // [N,Hkv,T,d]
        q = MultimodalRotaryEmbedding.Apply(q, cos, sin);
        k = MultimodalRotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null)
        {
            if (offset + t > cache.Keys.shape[2])
                throw new InvalidOperationException(
                    $"The KV cache holds {cache.Keys.shape[2]} positions; writing [{offset}, {offset + t}) overflows "
                        + $"it."
                );
            cache.Keys.narrow(2, offset, t).copy_(k);
            cache.Values.narrow(2, offset, t).copy_(v);
            k = cache.Keys.narrow(2, 0, offset + t); // [N,Hkv,Tk,d]
            v = cache.Values.narrow(2, 0, offset + t);
        }
        k = RepeatKeyValue(k); // [N,H,Tk,d]
        v = RepeatKeyValue(v);
        using var scaling = Math.Pow(headDim, -0.5).ToScalar();
        var scores = matmul(q, k.transpose(2, 3)).mul(scaling); // [N,H,T,Tk]
        scores = scores.masked_fill(allowed.logical_not(), Scalars.NegativeInfinity);
        var weights = nn.functional.softmax(scores.to_type(ScalarType.Float32), -1).to_type(q.dtype);
        var context = matmul(weights, v); // [N,H,T,d]
        context = context.transpose(1, 2).reshape(n, t, heads * headDim); // [N,T,H·d]
        return oProj.forward(context).MoveToOuterDisposeScope(); // [N,T,D]
    }

    /// <summary>[N,Hkv,Tk,d] → [N,H,Tk,d], kv head j serving query heads j·g … j·g+g−1 (HF repeat_kv).</summary>
    private Tensor RepeatKeyValue(Tensor kv)
    {
        int groups = heads / keyValueHeads;
        if (groups == 1)
            return kv;
        long n = kv.shape[0],
            tk = kv.shape[2];
        return kv.unsqueeze(2).expand(n, keyValueHeads, groups, tk, headDim).reshape(n, heads, tk, headDim);
    }
}
