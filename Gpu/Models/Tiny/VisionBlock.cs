using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// Qwen2.5-VL vision block: h += attn(norm1(h)); h += mlp(norm2(h)), full (non-causal) attention over the
/// patches of one image, qkv and proj with bias, SwiGLU MLP with bias.
/// Decision: no 2-D rotary positions and no window attention; <see cref="VisionEncoder"/> adds a learned
/// position embedding instead (64 patches need neither).
/// </summary>
internal sealed class VisionBlock : nn.Module<Tensor, Tensor>
{
    private readonly RmsNorm norm1;
    private readonly VisionAttention attn;
    private readonly RmsNorm norm2;
    private readonly SwiGluMlp mlp;

    public VisionBlock(TinyVlmConfig config)
        : base(nameof(VisionBlock))
    {
        norm1 = new RmsNorm(config.VisionHiddenSize, config.RmsNormEps);
        attn = new VisionAttention(config.VisionHiddenSize, config.VisionHeads);
        norm2 = new RmsNorm(config.VisionHiddenSize, config.RmsNormEps);
        mlp = new SwiGluMlp(config.VisionHiddenSize, config.VisionIntermediateSize, bias: true);
        RegisterComponents();
    }

    /// <summary>h [N,P,Dv] → [N,P,Dv].</summary>
    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        h = h.add(attn.forward(norm1.forward(h)), Scalars.One);
        h = h.add(mlp.forward(norm2.forward(h)), Scalars.One);
        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>Multi-head self-attention over patches: qkv → [3,N,H,P,d], softmax(q·kᵀ/√d)·v, proj.</summary>
internal sealed class VisionAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int heads;

    public VisionAttention(int width, int heads)
        : base(nameof(VisionAttention))
    {
        this.heads = heads;
        qkv = nn.Linear(width, 3 * width, hasBias: true);
        proj = nn.Linear(width, width, hasBias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0],
            p = x.shape[1],
            width = x.shape[2],
            headDim = width / heads;
        var qkvHeads = qkv.forward(x).view(n, p, 3, heads, headDim).permute(2, 0, 3, 1, 4); // [3,N,H,P,d]
        var (q, k, v) = (qkvHeads[0], qkvHeads[1], qkvHeads[2]); // [N,H,P,d]
        using var scale = Math.Sqrt(headDim).ToScalar();
        var weights = nn.functional.softmax(matmul(q, k.transpose(2, 3)).div(scale), -1); // [N,H,P,P]
        var context = matmul(weights, v).transpose(1, 2).reshape(n, p, width); // [N,P,Dv]
        return proj.forward(context).MoveToOuterDisposeScope();
    }
}
