using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>Qwen2MLP: down_proj(silu(gate_proj(x)) · up_proj(x)). The vision tower's copy has biases.</summary>
internal sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")]
    private readonly Linear gateProj;

    [ComponentName(Name = "up_proj")]
    private readonly Linear upProj;

    [ComponentName(Name = "down_proj")]
    private readonly Linear downProj;

    public SwiGluMlp(long width, long intermediate, bool bias)
        : base(nameof(SwiGluMlp))
    {
        gateProj = nn.Linear(width, intermediate, hasBias: bias);
        upProj = nn.Linear(width, intermediate, hasBias: bias);
        downProj = nn.Linear(intermediate, width, hasBias: bias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return downProj.forward(nn.functional.silu(gateProj.forward(x)) * upProj.forward(x)).MoveToOuterDisposeScope();
    }
}
