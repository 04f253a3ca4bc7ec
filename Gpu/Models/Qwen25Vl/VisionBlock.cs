using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL vision block (HF <c>Qwen2_5_VLVisionBlock</c>): pre-norm residual attention and SwiGLU MLP with bias,
/// <code>h = h + attn(norm1(h)); h = h + mlp(norm2(h))</code>
/// Decision: RMSNorm eps 1e-6, fixed in HF's code (the vision config has no eps).
/// </summary>
internal sealed class VisionBlock : nn.Module
{
    /// <summary>HF hard-codes the vision RMSNorm epsilon.</summary>
    public const double NormEps = 1e-6;

    private readonly RmsNorm norm1;
    private readonly VisionAttention attn;
    private readonly RmsNorm norm2;
    private readonly SwiGluMlp mlp;

    public VisionBlock(Qwen25VlVisionConfig config)
        : base(nameof(VisionBlock))
    {
        norm1 = new RmsNorm(config.HiddenSize, NormEps);
        attn = new VisionAttention(config.HiddenSize, config.NumHeads);
        norm2 = new RmsNorm(config.HiddenSize, NormEps);
        mlp = new SwiGluMlp(config.HiddenSize, config.IntermediateSize, bias: true);
        RegisterComponents();
    }

    /// <summary>h [S,D] (window order), the block's segments, cos/sin [S,1,d] float32 → [S,D].</summary>
    public Tensor Forward(Tensor h, VisionSegments segments, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        h = h.add(attn.Forward(norm1.forward(h), segments, cos, sin), Scalars.One);
        h = h.add(mlp.forward(norm2.forward(h)), Scalars.One);
        return h.MoveToOuterDisposeScope();
    }
}
