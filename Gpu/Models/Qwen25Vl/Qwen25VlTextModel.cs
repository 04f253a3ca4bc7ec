using SaEI.Gpu.Models.Tiny;
using TorchSharp;
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
/// 4. Stage placement (<see cref="Place"/>): embed_tokens, each layer and the final norm may sit on their own devices.
///    The hidden state moves only where the next layer's device differs from its own; cos/sin and the attention mask
///    are copied once per device in use per call and shared by that device's layers. An unplaced model moves nothing.
/// </summary>
internal sealed class Qwen25VlTextModel : nn.Module
{
    [ComponentName(Name = "embed_tokens")]
    private readonly Embedding embedTokens;
    private readonly ModuleList<Qwen25VlDecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly Qwen25VlConfig config;

    public Qwen25VlTextModel(Qwen25VlConfig config)
        : base(nameof(Qwen25VlTextModel))
    {
        this.config = config;
        embedTokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList([
            .. Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new Qwen25VlDecoderLayer(config)),
        ]);
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public int LayerCount => layers.Count;

    /// <summary>Recompute each decoder layer in backward instead of keeping its activations (default off).</summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>Per layer, then the final norm: the devices <see cref="Place"/> chose; null while unplaced.</summary>
    private Device[]? placement;

    /// <summary>Whether <see cref="Place"/> was called: only then do hidden states move between devices.</summary>
    public bool IsPlaced => placement is not null;

    public Device EmbeddingDevice => embedTokens.weight!.device;

    /// <summary>Layer <paramref name="layer"/>'s device (an unplaced model is on one device).</summary>
    public Device LayerDevice(int layer) => placement?[layer] ?? EmbeddingDevice;

    /// <summary>The final norm's device (the hidden state <see cref="Run"/> returns lives there).</summary>
    public Device NormDevice => placement?[^1] ?? EmbeddingDevice;

    /// <summary>
    /// embed_tokens on <paramref name="input"/>, layer i on <paramref name="layerDevices"/>[i], the final norm on
    /// <paramref name="output"/>.
    /// </summary>
    public void Place(Device input, IReadOnlyList<Device> layerDevices, Device output)
    {
        if (layerDevices.Count != layers.Count)
            throw new ArgumentException(
                $"Place needs one device per decoder layer ({layers.Count}); got {layerDevices.Count}.",
                nameof(layerDevices)
            );
        embedTokens.to(input);
        for (int i = 0; i < layers.Count; i++)
            layers[i].to(layerDevices[i]);
        norm.to(output);
        placement = [.. layerDevices, output];
    }

    /// <summary>embed_tokens.weight [V,D]: the output projection when tie_word_embeddings is set.</summary>
    public Parameter EmbeddingWeight => embedTokens.weight!;

    /// <summary>ids [N,T] → embeddings [N,T,D].</summary>
    public Tensor Embed(Tensor ids) => embedTokens.forward(ids);

    /// <summary>
    /// h [N,T,D] (inputs_embeds), positionIds [3,N,T] int64, allowed [N,1,T,Tk] bool → final-normed hidden [N,T,D].
    /// With caches (one per layer), keys and values of these T tokens are stored at [offset, offset+T).
    /// </summary>
    public Tensor Run(
        Tensor h,
        Tensor positionIds,
        Tensor allowed,
        IReadOnlyList<LayerKvCache>? caches,
        long offset,
        IDictionary<string, Tensor>? trace = null
    )
    {
        using var scope = NewDisposeScope();
        if (caches is not null && caches.Count != layers.Count)
            throw new ArgumentException(
                $"Got {caches.Count} KV caches for {layers.Count} decoder layers.",
                nameof(caches)
            );
        var (cos, sin) = MultimodalRotaryEmbedding.CosSin(positionIds, config, h.dtype); // [N,1,T,d]
        var tables = new Dictionary<string, (Tensor Cos, Tensor Sin, Tensor Allowed)>(StringComparer.Ordinal)
        {
            [h.device.ToString()] = (cos, sin, allowed),
        };
        for (int i = 0; i < layers.Count; i++)
        {
            if (placement is not null) // decision 4
            {
                string device = placement[i].ToString();
                if (h.device.ToString() != device)
                    h = h.to(placement[i]);
                if (!tables.TryGetValue(device, out var table))
                    tables[device] = table = (cos.to(placement[i]), sin.to(placement[i]), allowed.to(placement[i]));
                (cos, sin, allowed) = table;
            }
            var layer = layers[i];
            h =
                ActivationCheckpointing && caches is null
                    ? ActivationCheckpoint.Run(
                        layer,
                        h,
                        [cos, sin, allowed],
                        (x, c) => layer.Forward(x, c[0], c[1], c[2], null, 0)
                    )
                    : layer.Forward(h, cos, sin, allowed, caches?[i], offset); // [N,T,D]
            Record(trace, $"text.layer_out.{i}", h);
        }
        if (placement is not null && h.device.ToString() != placement[^1].ToString())
            h = h.to(placement[^1]);
        h = norm.forward(h);
        Record(trace, "text.final_norm", h);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>attentionMask [N,T] → allowed [N,1,T,T]: causal and not a pad key; a position always sees itself, so a
    /// left-pad query row never softmaxes over nothing (its output is never used; HF leaves it
    /// implementation-defined).</summary>
    public static Tensor CausalPaddingMask(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        long n = attentionMask.shape[0],
            t = attentionMask.shape[1];
        var causal = ones(t, t, @bool, attentionMask.device).tril(); // [T,T]
        var keys = attentionMask.to_type(@bool).view(n, 1, 1, t); // [N,1,1,T]
        var self = eye(t, t, @bool, attentionMask.device); // [T,T]
        return causal.logical_and(keys).logical_or(self).MoveToOuterDisposeScope(); // [N,1,T,T]
    }

    internal static void Record(IDictionary<string, Tensor>? trace, string key, Tensor value)
    {
        if (trace is null)
            return;
        if (trace.TryGetValue(key, out var previous))
            previous.Dispose();
        trace[key] = value.detach().clone().DetachFromDisposeScope();
    }
}
