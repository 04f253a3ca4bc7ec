using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL patch embedding (HF <c>Qwen2_5_VisionPatchEmbed</c>): a bias-free Conv3d with kernel = stride =
/// (T, p, p) over each flattened patch row, i.e. exactly a linear map,
/// <code>embed = pixel_values · W.reshape(D, C·T·p·p)ᵀ        [S, C·T·p·p] → [S, D]</code>
/// Decision: the parameter is the Conv3d's weight [D, C, T, p, p] (so <c>patch_embed.proj.weight</c> loads as is), and
/// the forward runs it as that matmul: one GEMM instead of S tiny convolutions; the row layout (c, t, py, px) is the
/// Conv3d's flatten order, so the two are the same sum.
/// </summary>
internal sealed class VisionPatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d proj;
    private readonly long width;

    public VisionPatchEmbed(Qwen25VlVisionConfig config)
        : base(nameof(VisionPatchEmbed))
    {
        width = config.HiddenSize;
        (long, long, long) kernel = (config.TemporalPatchSize, config.PatchSize, config.PatchSize);
        proj = nn.Conv3d(config.InChannels, config.HiddenSize, kernel, stride: kernel, bias: false);
        RegisterComponents();
    }

    /// <summary>pixel_values [S, C·T·p·p] (any float dtype; cast to the weight's) → [S, D].</summary>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var weight = proj.weight!; // [D,C,T,p,p]
        if (pixelValues.dim() != 2 || pixelValues.shape[1] != weight.numel() / width)
            throw new ArgumentException(
                $"pixel_values must be [S, {weight.numel() / width}] (C·T·p·p); got "
                    + $"[{string.Join(",", pixelValues.shape)}]. Make them with Qwen25VlImageProcessor.",
                nameof(pixelValues)
            );
        var embed = nn.functional.linear(pixelValues.to_type(weight.dtype), weight.view(width, -1)); // [S,D]
        return embed.MoveToOuterDisposeScope();
    }
}
