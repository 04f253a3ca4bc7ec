using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL patch merger (HF <c>Qwen2_5_VLPatchMerger</c>): each 2×2 block of consecutive patch rows becomes one
/// token of the text width,
/// <code>y = mlp.2( GELU( mlp.0( ln_q(x).view(S/m², D·m²) ) ) )       [S,D] → [S/m², out_hidden]</code>
/// Decision: GELU is the exact (erf) one, as in HF (approximate='none'); the tanh form moves case A's logits by 4e-4.
/// </summary>
internal sealed class PatchMerger : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "ln_q")]
    private readonly RmsNorm lnQ;
    private readonly Sequential mlp;
    private readonly long mergedWidth;

    public PatchMerger(long width, long outWidth, int mergeSize)
        : base(nameof(PatchMerger))
    {
        mergedWidth = width * mergeSize * mergeSize;
        lnQ = new RmsNorm(width, VisionBlock.NormEps);
        mlp = nn.Sequential(
            ("0", nn.Linear(mergedWidth, mergedWidth, hasBias: true)),
            ("1", nn.GELU()),
            ("2", nn.Linear(mergedWidth, outWidth, hasBias: true))
        );
        RegisterComponents();
    }

    /// <summary>x [S,D] with each merge block's m² patches consecutive → [S/m², out_hidden].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var merged = lnQ.forward(x).view(-1, mergedWidth); // [S/m², D·m²]
        return mlp.forward(merged).MoveToOuterDisposeScope(); // [S/m², out]
    }
}
