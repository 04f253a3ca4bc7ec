using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// Qwen2 self-attention with grouped-query heads: q/k/v projections with bias, o_proj without, RoPE on q and k,
/// each key/value head repeated H/Hkv times contiguously (repeat_kv), softmax(q·kᵀ/√d + mask)·v.
/// Decision: attention is written out (matmul, softmax) instead of scaled_dot_product_attention so that the
/// cached and the full path run the very same kernels (tokens must agree exactly at temperature 0).
/// </summary>
internal sealed class GroupedQueryAttention : nn.Module
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

    public GroupedQueryAttention(TinyVlmConfig config)
        : base(nameof(GroupedQueryAttention))
    {
        heads = config.Heads;
        keyValueHeads = config.KeyValueHeads;
        headDim = config.HeadDim;
        qProj = nn.Linear(config.HiddenSize, heads * headDim, hasBias: true);
        kProj = nn.Linear(config.HiddenSize, keyValueHeads * headDim, hasBias: true);
        vProj = nn.Linear(config.HiddenSize, keyValueHeads * headDim, hasBias: true);
        oProj = nn.Linear(heads * headDim, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>
    /// x [N,T,D], cos/sin [N,1,T,d], allowed [N,1,T,Tk] bool (true = may attend). With a cache, this call's keys
    /// are written at [offset, offset+T) and attention runs over the first Tk = offset+T cached keys.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor allowed, LayerKvCache? cache, long offset)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0],
            t = x.shape[1];
        var q = qProj.forward(x).view(n, t, heads, headDim).transpose(1, 2); // [N,H,T,d]
        var k = kProj.forward(x).view(n, t, keyValueHeads, headDim).transpose(1, 2); // [N,Hkv,T,d]
        var v = vProj.forward(x).view(n, t, keyValueHeads, headDim).transpose(1, 2); // [N,Hkv,T,d]
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null)
        {
            cache.Keys.narrow(2, offset, t).copy_(k);
            cache.Values.narrow(2, offset, t).copy_(v);
            k = cache.Keys.narrow(2, 0, offset + t); // [N,Hkv,Tk,d]
            v = cache.Values.narrow(2, 0, offset + t);
        }
        k = RepeatKeyValue(k); // [N,H,Tk,d]
        v = RepeatKeyValue(v);
        using var scale = Math.Sqrt(headDim).ToScalar();
        var scores = matmul(q, k.transpose(2, 3)).div(scale); // [N,H,T,Tk]
        scores = scores.masked_fill(allowed.logical_not(), Scalars.NegativeInfinity);
        var context = matmul(nn.functional.softmax(scores, -1), v); // [N,H,T,d]
        context = context.transpose(1, 2).reshape(n, t, heads * headDim); // [N,T,H·d]
        return oProj.forward(context).MoveToOuterDisposeScope();
    }

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

/// <summary>One decoder layer's preallocated key/value cache, [N,Hkv,Tcap,d] each; not part of any dispose
/// scope.</summary>
internal sealed class LayerKvCache(Tensor keys, Tensor values) : IDisposable
{
    public Tensor Keys { get; } = keys;
    public Tensor Values { get; } = values;

    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}
