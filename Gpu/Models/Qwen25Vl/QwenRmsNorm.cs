using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2RMSNorm as Hugging Face computes it (QWEN25VL.md §1.2): the statistics in float32, the normalised value cast
/// back to the input dtype, then multiplied by the weight:
/// <code>y = weight · (x.float() · rsqrt(mean(x.float()², −1) + eps)).to(x.dtype)</code>
/// Used by the vision blocks, the merger's ln_q and the decoder.
/// </summary>
internal sealed class QwenRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public QwenRmsNorm(long dimension, double eps) : base(nameof(QwenRmsNorm))
    {
        weight = nn.Parameter(ones(dimension));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var epsilon = eps.ToScalar();
        var x32 = x.to_type(ScalarType.Float32);                                          // [..., D]
        var variance = x32.pow(Scalars.Two).mean([-1], keepdim: true);                    // [..., 1]
        var normed = (x32 * rsqrt(variance.add(epsilon, Scalars.One))).to_type(x.dtype);  // [..., D]
        return (weight * normed).MoveToOuterDisposeScope();
    }
}
