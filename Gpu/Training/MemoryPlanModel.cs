using System.Text.Json;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Training;

/// <summary>
/// The sizes of a policy model that its memory depends on, read from a config alone (nothing is allocated), for
/// <see cref="MemoryPlan"/>. Text side: L layers of width D, SwiGLU width I, H query and Hkv key/value heads of size
/// d, vocabulary V. Vision side: Lv blocks of width Dv, SwiGLU width Iv, Hv heads; an image of Np patches becomes
/// Np / merge² language tokens; windowed blocks attend within <see cref="VisionWindowPatches"/> patches.
/// Decisions:
/// 1. Parameter counts come from the model's own tensor table (Qwen: <see cref="Qwen25VlTensorTable"/>; TinyVlm: the
///    same sum over its modules, checked against a built model in the tests), split into vision and text.
/// 2. TinyVlm images are fixed squares: every image is ImageSize² pixels whatever its source size; Qwen images go
///    through smart resize (<see cref="SmartResize"/>) so the plan asks for an image side.
/// </summary>
public sealed record MemoryPlanModel
{
    public required string Family { get; init; }
    public required long VisionParameters { get; init; }
    public required long TextParameters { get; init; }

    /// <summary>The largest single parameter tensor (AdamW's per-tensor temporaries scale with it).</summary>
    public required long LargestTensor { get; init; }
    public required int Layers { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int Heads { get; init; }
    public required int KeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required int VisionLayers { get; init; }
    public required int VisionHiddenSize { get; init; }
    public required int VisionIntermediateSize { get; init; }
    public required int VisionHeads { get; init; }

    /// <summary>Patches merged into one language token (Qwen: spatial_merge_size² = 4; TinyVlm: 1).</summary>
    public required int PatchesPerToken { get; init; }

    /// <summary>Patches a windowed vision block attends within; null when every block attends over the whole
    /// image.</summary>
    public int? VisionWindowPatches { get; init; }

    /// <summary>Vision blocks with full attention (the rest are windowed).</summary>
    public required int FullAttentionVisionLayers { get; init; }

    /// <summary>Patch side in pixels times the merge size: an image side is resized to a multiple of it.</summary>
    public required int ResizeFactor { get; init; }

    /// <summary>TinyVlm's fixed square image side; null when images keep (a smart-resized) size.</summary>
    public int? FixedImageSide { get; init; }

    public long Parameters => VisionParameters + TextParameters;

    /// <summary>Vision patches of one square image of <paramref name="side"/> pixels (after the model's
    /// resize).</summary>
    public long PatchesFor(int side)
    {
        if (FixedImageSide is { } fixedSide)
            side = fixedSide;
        else
            side = SmartResize.Compute(side, side, ResizeFactor).Height;
        long perSide = side / (ResizeFactor / (int)Math.Sqrt(PatchesPerToken));
        return perSide * perSide;
    }

    /// <summary>Language tokens the image placeholders take for one square image of <paramref name="side"/>
    /// pixels.</summary>
    public long ImageTokensFor(int side) => PatchesFor(side) / PatchesPerToken;

    /// <summary>The image side a prompt's pixels have after the model's resize (for the pixel tensors of a
    /// rollout).</summary>
    public int InputSideFor(int side) => FixedImageSide ?? SmartResize.Compute(side, side, ResizeFactor).Height;

    public static MemoryPlanModel FromTiny(TinyVlmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        long d = config.HiddenSize,
            i = config.IntermediateSize,
            kv = (long)config.KeyValueHeads * config.HeadDim;
        long dv = config.VisionHiddenSize,
            iv = config.VisionIntermediateSize,
            patchValues = 3L * config.PatchSize * config.PatchSize;
        int vocab = new CharChatTokenizer().VocabularySize;
        long visionBlock = 2 * dv + (3 * dv * dv + 3 * dv) + (dv * dv + dv) + 2 * (iv * dv + iv) + (dv * iv + dv);
        long vision =
            patchValues * dv
            + (long)config.ImageTokenCount * dv
            + config.VisionLayers * visionBlock
            + dv
            + (dv * dv + dv)
            + (d * dv + d);
        long layer = 2 * d + (d * d + d) + 2 * (kv * d + kv) + d * d + 3 * d * i;
        long text = (long)vocab * d + config.Layers * layer + d + (long)vocab * d;
        return new MemoryPlanModel
        {
            Family = TinyVlm.FamilyName,
            VisionParameters = vision,
            TextParameters = text,
            LargestTensor = Math.Max((long)vocab * d, Math.Max(d * i, patchValues * dv)),
            Layers = config.Layers,
            HiddenSize = config.HiddenSize,
            IntermediateSize = config.IntermediateSize,
            Heads = config.Heads,
            KeyValueHeads = config.KeyValueHeads,
            HeadDim = config.HeadDim,
            VocabSize = vocab,
            VisionLayers = config.VisionLayers,
            VisionHiddenSize = config.VisionHiddenSize,
            VisionIntermediateSize = config.VisionIntermediateSize,
            VisionHeads = config.VisionHeads,
            PatchesPerToken = 1,
            FullAttentionVisionLayers = config.VisionLayers,
            ResizeFactor = config.PatchSize,
            FixedImageSide = config.ImageSize,
        };
    }

    public static MemoryPlanModel FromQwen(Qwen25VlConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tensors = Qwen25VlTensorTable.Build(config);
        long vision = tensors.Where(t => t.Name.StartsWith("visual.", StringComparison.Ordinal)).Sum(t => t.Elements);
        var v = config.Vision;
        int windowSide = v.WindowSize / v.PatchSize; // 112 / 14 = 8 patches
        return new MemoryPlanModel
        {
            Family = Qwen25VlPolicy.FamilyName,
            VisionParameters = vision,
            TextParameters = tensors.Sum(t => t.Elements) - vision,
            LargestTensor = tensors.Max(t => t.Elements),
            Layers = config.NumHiddenLayers,
            HiddenSize = config.HiddenSize,
            IntermediateSize = config.IntermediateSize,
            Heads = config.NumAttentionHeads,
            KeyValueHeads = config.NumKeyValueHeads,
            HeadDim = config.HeadDim,
            VocabSize = config.VocabSize,
            VisionLayers = v.Depth,
            VisionHiddenSize = v.HiddenSize,
            VisionIntermediateSize = v.IntermediateSize,
            VisionHeads = v.NumHeads,
            PatchesPerToken = v.SpatialMergeSize * v.SpatialMergeSize,
            VisionWindowPatches = windowSide * windowSide,
            FullAttentionVisionLayers = v.FullAttentionBlockIndexes.Length,
            ResizeFactor = v.PatchSize * v.SpatialMergeSize,
        };
    }

    /// <summary>
    /// A model folder's (or a bare) config.json: TinyVlm's ("family": "tiny-vlm") or a Hugging Face Qwen2.5-VL one
    /// ("model_type": "qwen2_5_vl"). Errors name the file.
    /// </summary>
    public static MemoryPlanModel FromConfigFile(string path)
    {
        if (Directory.Exists(path))
            path = Path.Combine(path, "config.json");
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"No model config at '{path}'; point at a config.json or a model folder holding one.",
                path
            );
        using (var document = JsonDocument.Parse(File.ReadAllText(path)))
        {
            var root = document.RootElement;
            if (root.TryGetProperty("family", out var family) && family.GetString() == TinyVlm.FamilyName)
                return FromTiny(TinyVlmConfig.Load(path));
        }
        return FromQwen(Qwen25VlConfig.Load(path));
    }
}
