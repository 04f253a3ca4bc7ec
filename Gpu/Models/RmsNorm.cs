using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models;

/// <summary>
/// Qwen2RMSNorm as Hugging Face computes it (docs/qwen25vl.md §1.2): the statistics in float32, the normalised value
/// cast back to the input dtype, then multiplied by the weight:
/// <code>y = weight · (x.float() · rsqrt(mean(x.float()², −1) + eps)).to(x.dtype)</code>
/// Used by both families (vision blocks, the merger's ln_q, the decoders). Decision: float64 input stays float64
/// (HF would round it to float32), so float64 copies of a model for finite-difference gradient checks stay exact;
/// float32 input gives exactly the former TinyVlm norm.
/// </summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(long dimension, double eps)
        : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(dimension));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var epsilon = eps.ToScalar();
        var x32 = x.to_type(x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32); // [..., D]
        var variance = x32.pow(Scalars.Two).mean([-1], keepdim: true); // [..., 1]
        var normed = (x32 * rsqrt(variance.add(epsilon, Scalars.One))).to_type(x.dtype); // [..., D]
        return (weight * normed).MoveToOuterDisposeScope();
    }
}
