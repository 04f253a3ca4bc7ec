using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>Qwen2RMSNorm: y = weight · x / sqrt(mean(x²) + eps), computed in the input dtype.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(long dimension, double eps) : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(dimension));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var epsilon = eps.ToScalar();
        var variance = x.pow(Scalars.Two).mean([-1], keepdim: true);   // [..., 1]
        return (weight * (x * rsqrt(variance.add(epsilon, Scalars.One)))).MoveToOuterDisposeScope();
    }
}
