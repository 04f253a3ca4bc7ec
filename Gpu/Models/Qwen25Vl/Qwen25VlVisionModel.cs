using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The Qwen2.5-VL vision tower (HF <c>Qwen2_5_VisionTransformerPretrainedModel</c>, docs/qwen25vl.md §1.2). A parent
/// that registers it as field <c>visual</c> gets the checkpoint's names <c>visual.patch_embed.proj.weight</c>,
/// <c>visual.blocks.{i}.{norm1,attn.qkv,attn.proj,norm2,mlp.gate_proj,mlp.up_proj,mlp.down_proj}</c>,
/// <c>visual.merger.{ln_q,mlp.0,mlp.2}</c>.
/// <code>
/// x   = patch_embed(pixel_values)                       [S,D]      S = Σ t·h·w patches, processor (merge-block) order
/// rot = 2-D rotary angles(grid)                         [S,d/2]    float32
/// wi  = window index(grid)                              [S/m²]     merged tokens in window order
/// x, rot = regroup by wi, m² patch rows per merged token
/// x   = block_i(x, cu_seqlens if i ∈ fullatt_block_indexes else cu_window_seqlens, cos, sin)   for every block
/// y   = merger(x)[argsort(wi)]                          [S/m², out_hidden]   original order
/// </code>
/// Decisions:
/// 1. Attention per segment is <see cref="VisionSegments"/>: segments grouped by length into batched unmasked
///    attention calls (no padding, no S×S block-diagonal mask), sane for the 7B's thousands of patches and 16 heads.
/// 2. Runs in the parameters' dtype (float32 or bf16); RMSNorm statistics, rotary and the attention softmax in float32,
///    as HF (RmsNorm, VisionRotaryEmbedding, SDPA's float32 accumulation).
/// 3. The window index, segment boundaries and rotary positions are computed on the host from the grid (integers).
/// 4. The intermediates HF's reference dumps (patch_embed, rotary angles, window index, cu_seqlens, each block's
///    output) come from the same code path, <see cref="ForwardWithIntermediates"/>; <see cref="Forward"/> records none.
/// 5. With <see cref="ActivationCheckpointing"/> set, each block runs through <see cref="ActivationCheckpoint"/>; the
///    block's segments are rebuilt from their boundaries inside it (their index tensors die with this call's scope).
/// </summary>
public sealed class Qwen25VlVisionModel : nn.Module
{
    [ComponentName(Name = "patch_embed")]
    private readonly VisionPatchEmbed patchEmbed;
    private readonly ModuleList<VisionBlock> blocks;
    private readonly PatchMerger merger;
    private readonly HashSet<int> fullAttentionBlocks;

    public Qwen25VlVisionModel(Qwen25VlVisionConfig config)
        : base(nameof(Qwen25VlVisionModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate(nameof(Qwen25VlVisionModel), config.OutHiddenSize);
        Config = config;
        fullAttentionBlocks = [.. config.FullAttentionBlockIndexes];
        patchEmbed = new VisionPatchEmbed(config);
        blocks = nn.ModuleList([.. Enumerable.Range(0, config.Depth).Select(_ => new VisionBlock(config))]);
        merger = new PatchMerger(config.HiddenSize, config.OutHiddenSize, config.SpatialMergeSize);
        RegisterComponents();
    }

    public Qwen25VlVisionConfig Config { get; }

    /// <summary>Recompute each vision block in backward instead of keeping its activations (default off).</summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>pixel_values [ΣS_i, 3·T·p·p], grid_thw one (t,h,w) per image in patch units → [ΣS_i/merge²,
    /// out_hidden].</summary>
    public Tensor Forward(Tensor pixelValues, IReadOnlyList<long[]> gridThw) =>
        Run(pixelValues, gridThw, intermediates: null);

    /// <summary>
    /// The forward with HF's intermediates recorded (diagnostics and the reference tests; <c>saei model dump</c>).
    /// The caller disposes the result.
    /// </summary>
    public VisionIntermediates ForwardWithIntermediates(Tensor pixelValues, IReadOnlyList<long[]> gridThw)
    {
        var intermediates = new VisionIntermediates();
        intermediates.ImageEmbeds = Run(pixelValues, gridThw, intermediates);
        return intermediates;
    }

    private Tensor Run(Tensor pixelValues, IReadOnlyList<long[]> gridThw, VisionIntermediates? intermediates)
    {
        using var scope = NewDisposeScope();
        int merge = Config.SpatialMergeSize,
            mergeUnit = merge * merge;
        long patches = WindowIndex.PatchCount(gridThw);
        if (pixelValues.shape[0] != patches)
            throw new ArgumentException(
                $"pixel_values has {pixelValues.shape[0]} patch rows but grid_thw "
                    + $"[{string.Join(" ", gridThw.Select(g => $"[{string.Join(",", g)}]"))}] describes {patches}; "
                    + $"pass the processor's two outputs together.",
                nameof(pixelValues)
            );
        var device = pixelValues.device;

        var x = patchEmbed.forward(pixelValues); // [S,D]
        var angles = VisionRotaryEmbedding.Angles(gridThw, Config.HeadDim, merge, device); // [S,d/2] f32
        var (windowIndex, cuWindowSeqlens) = WindowIndex.Compute(gridThw, merge, Config.MergerWindowSize);
        int[] cuSeqlens = WindowIndex.CuSeqlens(gridThw, merge);
        intermediates?.Record(x, angles, windowIndex, cuWindowSeqlens, cuSeqlens);

        var order = tensor(windowIndex, ScalarType.Int64, device); // [S/m²]
        long width = x.shape[1],
            rotary = angles.shape[1];
        // [S,D] window order
        x = x.view(patches / mergeUnit, mergeUnit, width).index_select(0, order).view(patches, width);
        var rot = angles.view(patches / mergeUnit, mergeUnit, rotary).index_select(0, order).view(patches, rotary);
        var emb = cat([rot, rot], -1).unsqueeze(1); // [S,1,d] f32
        var (cos, sin) = (emb.cos(), emb.sin());

        var windows = new VisionSegments(cuWindowSeqlens, device);
        var full = new VisionSegments(cuSeqlens, device);
        for (int i = 0; i < blocks.Count; i++)
        {
            var (block, segments) = (blocks[i], fullAttentionBlocks.Contains(i) ? full : windows);
            x = ActivationCheckpointing
                ? ActivationCheckpoint.Run(
                    block,
                    x,
                    [cos, sin],
                    (h, c) => block.Forward(h, new VisionSegments(segments.Boundaries, c[0].device), c[0], c[1])
                )
                : block.Forward(x, segments, cos, sin); // [S,D]
            intermediates?.BlockOutputs.Add(x.MoveToOuterDisposeScope());
        }

        var reverse = new long[windowIndex.Length];
        for (int i = 0; i < windowIndex.Length; i++)
            reverse[windowIndex[i]] = i; // argsort(wi)
        var merged = merger.forward(x); // [S/m²,out] window order
        return merged.index_select(0, tensor(reverse, ScalarType.Int64, device)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The vision tower's intermediates under the names of the reference dump (tests/data/qwen25vl/README.md):
/// <c>vision.patch_embed</c>, <c>vision.rotary_pos_emb</c> (processor order), <c>vision.window_index</c>,
/// <c>vision.cu_window_seqlens</c>, <c>vision.cu_seqlens</c>, <c>vision.block_out.{i}</c> (window order) and
/// <c>image_embeds</c>. Owns its tensors.
/// </summary>
public sealed class VisionIntermediates : IDisposable
{
    /// <summary>patch_embed output [S,D], processor order.</summary>
    public Tensor PatchEmbed { get; private set; } = null!;

    /// <summary>Rotary angles [S, head_dim/2] float32, processor order.</summary>
    public Tensor RotaryAngles { get; private set; } = null!;

    /// <summary>Merged tokens in window order [S/m²].</summary>
    public IReadOnlyList<long> WindowIndex { get; private set; } = [];

    /// <summary>Window segment boundaries in patch rows (empty windows dropped).</summary>
    public IReadOnlyList<int> CuWindowSeqlens { get; private set; } = [];

    /// <summary>Full-attention segment boundaries (one per frame of each image).</summary>
    public IReadOnlyList<int> CuSeqlens { get; private set; } = [];

    /// <summary>Hidden state after each block [S,D], window order.</summary>
    public List<Tensor> BlockOutputs { get; } = [];

    /// <summary>The tower's output [S/m², out_hidden], original order.</summary>
    public Tensor ImageEmbeds { get; internal set; } = null!;

    internal void Record(
        Tensor patchEmbed,
        Tensor rotaryAngles,
        long[] windowIndex,
        int[] cuWindowSeqlens,
        int[] cuSeqlens
    )
    {
        PatchEmbed = patchEmbed.MoveToOuterDisposeScope();
        RotaryAngles = rotaryAngles.MoveToOuterDisposeScope();
        (WindowIndex, CuWindowSeqlens, CuSeqlens) = (windowIndex, cuWindowSeqlens, cuSeqlens);
    }

    public void Dispose()
    {
        PatchEmbed?.Dispose();
        RotaryAngles?.Dispose();
        foreach (var block in BlockOutputs)
            block.Dispose();
        ImageEmbeds?.Dispose();
    }
}
