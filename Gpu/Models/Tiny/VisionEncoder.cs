using SaEI.Gpu.Runtime;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// The vision tower ("visual.*"): differentiable preprocessing of [0,1] pixels (CLIP mean/std normalisation as in
/// Qwen2.5-VL's preprocessor, then non-overlapping p×p patches flattened in (c, ph, pw) order like Qwen's
/// patch_embed conv), a linear patch embedding, learned positions, vision blocks, and the merger
/// (ln_q RMSNorm, Linear–GELU–Linear) projecting to the decoder width.
/// Decision: no 2×2 spatial merge (Qwen merges 4 patches per token); 64×64 pixels, patch 8 → 64 image tokens.
/// </summary>
internal sealed class VisionEncoder : nn.Module<Tensor, Tensor>
{
    private static readonly double[] ImageMean = [0.48145466, 0.4578275, 0.40821073];
    private static readonly double[] ImageStd = [0.26862954, 0.26130258, 0.27577711];

    [ComponentName(Name = "patch_embed")]
    private readonly PatchEmbed patchEmbed;

    [ComponentName(Name = "pos_embed")]
    private readonly Parameter positionEmbedding;
    private readonly ModuleList<VisionBlock> blocks;
    private readonly PatchMerger merger;
    private readonly int imageSize;
    private readonly int patchSize;

    public VisionEncoder(TinyVlmConfig config)
        : base(nameof(VisionEncoder))
    {
        imageSize = config.ImageSize;
        patchSize = config.PatchSize;
        patchEmbed = new PatchEmbed(3 * patchSize * patchSize, config.VisionHiddenSize);
        positionEmbedding = nn.Parameter(zeros(config.ImageTokenCount, config.VisionHiddenSize));
        blocks = nn.ModuleList([.. Enumerable.Range(0, config.VisionLayers).Select(_ => new VisionBlock(config))]);
        merger = new PatchMerger(config.VisionHiddenSize, config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>pixels [N,3,H,W] in [0,1] → image features [N,P,D].</summary>
    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        if (pixels.dim() != 4 || pixels.shape[1] != 3 || pixels.shape[2] != imageSize || pixels.shape[3] != imageSize)
            throw new ArgumentException(
                $"pixels must be [N,3,{imageSize},{imageSize}] in [0,1]; got [{string.Join(",", pixels.shape)}]. "
                    + $"Resize images to the model's image_size.",
                nameof(pixels)
            );
        long n = pixels.shape[0],
            grid = imageSize / patchSize;
        var mean = tensor(ImageMean, pixels.dtype, pixels.device).view(1, 3, 1, 1);
        var std = tensor(ImageStd, pixels.dtype, pixels.device).view(1, 3, 1, 1);
        var normalised = (pixels - mean) / std; // [N,3,H,W]
        var patches = normalised
            .view(n, 3, grid, patchSize, grid, patchSize)
            .permute(0, 2, 4, 1, 3, 5) // [N,gh,gw,3,p,p]
            .reshape(n, grid * grid, 3 * patchSize * patchSize); // [N,P,3p²]
        var h = patchEmbed.forward(patches).add(positionEmbedding, Scalars.One); // [N,P,Dv]
        foreach (var block in blocks)
            h = block.forward(h);
        return merger.forward(h).MoveToOuterDisposeScope(); // [N,P,D]
    }
}

/// <summary>"patch_embed.proj": Qwen's bias-free Conv3d as the equivalent Linear over flattened patches.</summary>
internal sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public PatchEmbed(int patchValues, int width)
        : base(nameof(PatchEmbed))
    {
        proj = nn.Linear(patchValues, width, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor patches) => proj.forward(patches);
}

/// <summary>"merger": ln_q RMSNorm then mlp = [0] Linear(Dv,Dv), [1] GELU, [2] Linear(Dv,D).</summary>
internal sealed class PatchMerger : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "ln_q")]
    private readonly RmsNorm lnQ;
    private readonly Sequential mlp;

    public PatchMerger(int visionWidth, int width, double eps)
        : base(nameof(PatchMerger))
    {
        lnQ = new RmsNorm(visionWidth, eps);
        mlp = nn.Sequential(
            ("0", nn.Linear(visionWidth, visionWidth)),
            ("1", nn.GELU()),
            ("2", nn.Linear(visionWidth, width))
        );
        RegisterComponents();
    }

    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        return mlp.forward(lnQ.forward(h)).MoveToOuterDisposeScope();
    }
}
