using SaEI.Gpu.Checkpoints;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>How Hugging Face initialises a tensor (Qwen2_5_VLPreTrainedModel._init_weights).</summary>
public enum Qwen25VlTensorRole
{
    /// <summary>Linear, Conv3d and Embedding weights: N(0, initializer_range).</summary>
    Weight,

    /// <summary>Linear biases: 0.</summary>
    Bias,

    /// <summary>RMSNorm weights: 1.</summary>
    Norm,
}

/// <summary>One checkpoint tensor: published name, shape and init role.</summary>
public sealed record Qwen25VlTensor(string Name, long[] Shape, Qwen25VlTensorRole Role)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

    public CheckpointTensorSpec Spec => new(Name, Shape);
}

/// <summary>
/// Every tensor of a Qwen2.5-VL checkpoint for a config, in the published layout (docs/qwen25vl.md §1.7), computed from
/// the config alone (nothing is allocated): the 7B config gives 729 tensors and 8,292,166,656 parameters.
/// Order: the vision tower (patch embedding, blocks, merger), then the decoder (embeddings, layers, final norm), then
/// lm_head; within a block or layer the order of Hugging Face's modules.
/// Decisions:
/// 1. The vision patch embedding is a Conv3d without bias [vision hidden, 3, temporal patch, patch, patch].
/// 2. The merger's two Linear layers keep their nn.Sequential indices (mlp.0, mlp.2: index 1 is the GELU).
/// 3. lm_head.weight is absent when tie_word_embeddings is true (transformers does not save the tied copy).
/// 4. <see cref="Normalize"/> maps the newer in-memory naming (transformers ≥ 4.52: model.language_model.*,
///    model.visual.*) to the published one, so a loader accepts both.
/// </summary>
public static class Qwen25VlTensorTable
{
    public static IReadOnlyList<Qwen25VlTensor> Build(Qwen25VlConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tensors = new List<Qwen25VlTensor>();
        void Add(string name, Qwen25VlTensorRole role, params long[] shape) =>
            tensors.Add(new Qwen25VlTensor(name, shape, role));

        var vision = config.Vision;
        long vh = vision.HiddenSize,
            vi = vision.IntermediateSize;
        Add(
            "visual.patch_embed.proj.weight",
            Qwen25VlTensorRole.Weight,
            vh,
            vision.InChannels,
            vision.TemporalPatchSize,
            vision.PatchSize,
            vision.PatchSize
        );
        for (int block = 0; block < vision.Depth; block++)
        {
            string p = $"visual.blocks.{block}.";
            Add(p + "norm1.weight", Qwen25VlTensorRole.Norm, vh);
            Add(p + "norm2.weight", Qwen25VlTensorRole.Norm, vh);
            Linear(p + "attn.qkv", 3 * vh, vh, bias: true);
            Linear(p + "attn.proj", vh, vh, bias: true);
            Linear(p + "mlp.gate_proj", vi, vh, bias: true);
            Linear(p + "mlp.up_proj", vi, vh, bias: true);
            Linear(p + "mlp.down_proj", vh, vi, bias: true);
        }
        long merged = vh * vision.SpatialMergeSize * vision.SpatialMergeSize; // 2×2 patches concatenated
        Add("visual.merger.ln_q.weight", Qwen25VlTensorRole.Norm, vh);
        Linear("visual.merger.mlp.0", merged, merged, bias: true);
        Linear("visual.merger.mlp.2", vision.OutHiddenSize, merged, bias: true);

        long d = config.HiddenSize,
            headDim = config.HeadDim,
            kv = config.NumKeyValueHeads * headDim,
            inner = config.IntermediateSize;
        Add("model.embed_tokens.weight", Qwen25VlTensorRole.Weight, config.VocabSize, d);
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            string p = $"model.layers.{layer}.";
            Add(p + "input_layernorm.weight", Qwen25VlTensorRole.Norm, d);
            Add(p + "post_attention_layernorm.weight", Qwen25VlTensorRole.Norm, d);
            Linear(p + "self_attn.q_proj", config.NumAttentionHeads * headDim, d, bias: true);
            Linear(p + "self_attn.k_proj", kv, d, bias: true);
            Linear(p + "self_attn.v_proj", kv, d, bias: true);
            Linear(p + "self_attn.o_proj", d, config.NumAttentionHeads * headDim, bias: false);
            Linear(p + "mlp.gate_proj", inner, d, bias: false);
            Linear(p + "mlp.up_proj", inner, d, bias: false);
            Linear(p + "mlp.down_proj", d, inner, bias: false);
        }
        Add("model.norm.weight", Qwen25VlTensorRole.Norm, d);
        if (!config.TieWordEmbeddings)
            Add("lm_head.weight", Qwen25VlTensorRole.Weight, config.VocabSize, d);
        return tensors;

        void Linear(string prefix, long outFeatures, long inFeatures, bool bias)
        {
            Add(prefix + ".weight", Qwen25VlTensorRole.Weight, outFeatures, inFeatures);
            if (bias)
                Add(prefix + ".bias", Qwen25VlTensorRole.Bias, outFeatures);
        }
    }

    /// <summary>Name → shape, the expected table for <see cref="CheckpointFolder.Verify"/>.</summary>
    public static IReadOnlyDictionary<string, long[]> Shapes(Qwen25VlConfig config) =>
        Build(config).ToDictionary(t => t.Name, t => t.Shape, StringComparer.Ordinal);

    /// <summary>Total parameter count (tied lm_head counted once).</summary>
    public static long ParameterCount(Qwen25VlConfig config) => Build(config).Sum(t => t.Elements);

    /// <summary>
    /// The published name of a checkpoint tensor: <c>model.language_model.X</c> → <c>model.X</c>,
    /// <c>model.visual.X</c> → <c>visual.X</c>; any other name is returned as is.
    /// </summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        const string languageModel = "model.language_model.",
            visual = "model.visual.";
        if (name.StartsWith(languageModel, StringComparison.Ordinal))
            return "model." + name[languageModel.Length..];
        if (name.StartsWith(visual, StringComparison.Ordinal))
            return "visual." + name[visual.Length..];
        return name;
    }
}
