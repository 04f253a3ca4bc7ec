using SaEI.Gpu.Models.Tiny;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The Qwen2.5-VL language model (HF <c>Qwen2_5_VLTextModel</c>, checkpoint prefix <c>model.*</c>): embed_tokens,
/// decoder layers with M-RoPE, final RMSNorm. The lm_head lives in <see cref="Qwen25VlModel"/>.
/// Decisions:
/// 1. cos/sin are computed once per call from position_ids [3,N,T] and shared by all layers.
/// 2. Optional trace: when a dictionary is passed, each layer's output ("text.layer_out.{i}") and the final norm
///    ("text.final_norm") are recorded as detached copies owned by the caller (for <c>saei model dump</c>); the
///    compute path is the same with or without it.
/// 3. With <see cref="ActivationCheckpointing"/> set and no KV caches (a training forward), each layer runs through
///    <see cref="ActivationCheckpoint"/>: only its input is kept and it is recomputed in backward.
/// </summary>
internal sealed class Qwen25VlTextModel : nn.Module
{
    [ComponentName(Name = "embed_tokens")] private readonly Embedding embedTokens;
    private readonly ModuleList<Qwen25VlDecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly Qwen25VlConfig config;

    public Qwen25VlTextModel(Qwen25VlConfig config) : base(nameof(Qwen25VlTextModel))
    {
        this.config = config;
        embedTokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList([.. Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new Qwen25VlDecoderLayer(config))]);
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public int LayerCount => layers.Count;

    /// <summary>Recompute each decoder layer in backward instead of keeping its activations (default off).</summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>embed_tokens.weight [V,D]: the output projection when tie_word_embeddings is set.</summary>
    public Parameter EmbeddingWeight => embedTokens.weight!;

    /// <summary>ids [N,T] → embeddings [N,T,D].</summary>
    public Tensor Embed(Tensor ids) => embedTokens.forward(ids);

    /// <summary>
    /// h [N,T,D] (inputs_embeds), positionIds [3,N,T] int64, allowed [N,1,T,Tk] bool → final-normed hidden [N,T,D].
    /// With caches (one per layer), keys and values of these T tokens are stored at [offset, offset+T).
    /// </summary>
    public Tensor Run(Tensor h, Tensor positionIds, Tensor allowed, IReadOnlyList<LayerKvCache>? caches, long offset,
        IDictionary<string, Tensor>? trace = null)
    {
        using var scope = NewDisposeScope();
        if (caches is not null && caches.Count != layers.Count)
            throw new ArgumentException($"Got {caches.Count} KV caches for {layers.Count} decoder layers.", nameof(caches));
        var (cos, sin) = MultimodalRotaryEmbedding.CosSin(positionIds, config, h.dtype);        // [N,1,T,d]
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            h = ActivationCheckpointing && caches is null
                ? ActivationCheckpoint.Run(layer, h, [cos, sin, allowed], (x, c) => layer.Forward(x, c[0], c[1], c[2], null, 0))
                : layer.Forward(h, cos, sin, allowed, caches?[i], offset);                       // [N,T,D]
            Record(trace, $"text.layer_out.{i}", h);
        }
        h = norm.forward(h);
        Record(trace, "text.final_norm", h);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>attentionMask [N,T] → allowed [N,1,T,T]: causal and not a pad key; a position always sees itself, so a
    /// left-pad query row never softmaxes over nothing (its output is never used; HF leaves it implementation-defined).</summary>
    public static Tensor CausalPaddingMask(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        long n = attentionMask.shape[0], t = attentionMask.shape[1];
        var causal = ones(t, t, @bool, attentionMask.device).tril();                            // [T,T]
        var keys = attentionMask.to_type(@bool).view(n, 1, 1, t);                               // [N,1,1,T]
        var self = eye(t, t, @bool, attentionMask.device);                                      // [T,T]
        return causal.logical_and(keys).logical_or(self).MoveToOuterDisposeScope();            // [N,1,T,T]
    }

    internal static void Record(IDictionary<string, Tensor>? trace, string key, Tensor value)
    {
        if (trace is null) return;
        if (trace.TryGetValue(key, out var previous)) previous.Dispose();
        trace[key] = value.detach().clone().DetachFromDisposeScope();
    }
}
