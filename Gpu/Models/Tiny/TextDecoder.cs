using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// The Qwen2 text model ("model.*"): embed_tokens, decoder layers, final norm. With <see
/// cref="ActivationCheckpointing"/> set and no KV caches, each layer runs through <see cref="ActivationCheckpoint"/>.
/// </summary>
internal sealed class TextDecoder : nn.Module
{
    [ComponentName(Name = "embed_tokens")]
    private readonly Embedding embedTokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly TinyVlmConfig config;

    public TextDecoder(TinyVlmConfig config, int vocabularySize)
        : base(nameof(TextDecoder))
    {
        this.config = config;
        embedTokens = nn.Embedding(vocabularySize, config.HiddenSize);
        layers = nn.ModuleList([.. Enumerable.Range(0, config.Layers).Select(_ => new DecoderLayer(config))]);
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public int LayerCount => config.Layers;

    /// <summary>Recompute each decoder layer in backward instead of keeping its activations (default off).</summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>Per layer, then the final norm: the devices <see cref="Place"/> chose; null while unplaced.</summary>
    private Device[]? placement;

    /// <summary>Whether <see cref="Place"/> was called: only then do hidden states move between stage
    /// devices.</summary>
    public bool IsPlaced => placement is not null;

    public Device EmbeddingDevice => embedTokens.weight!.device;

    public IEnumerable<Parameter> EmbeddingParameters => embedTokens.parameters();

    public IEnumerable<Parameter> NormParameters => norm.parameters();

    public IEnumerable<Parameter> LayerParameters(int layer) => layers[layer].parameters();

    /// <summary>Layer <paramref name="layer"/>'s device (an unplaced model is on one device).</summary>
    public Device LayerDevice(int layer) => placement?[layer] ?? EmbeddingDevice;

    /// <summary>embed_tokens on <paramref name="input"/>, layer i on <paramref name="layerDevices"/>[i], the final norm
    /// on <paramref name="output"/>.</summary>
    public void Place(Device input, IReadOnlyList<Device> layerDevices, Device output)
    {
        embedTokens.to(input);
        for (int i = 0; i < layers.Count; i++)
            layers[i].to(layerDevices[i]);
        norm.to(output);
        placement = [.. layerDevices, output];
    }

    /// <summary>ids [N,T] → embeddings [N,T,D].</summary>
    public Tensor Embed(Tensor ids) => embedTokens.forward(ids);

    /// <summary>
    /// h [N,T,D], positions [N,T] int64, allowed [N,1,T,Tk] bool → normed hidden states [N,T,D]. With caches
    /// (one per layer), keys/values of these T tokens are stored at [offset, offset+T).
    /// </summary>
    public Tensor Run(Tensor h, Tensor positions, Tensor allowed, IReadOnlyList<LayerKvCache>? caches, long offset)
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = RotaryEmbedding.CosSin(positions, config.HeadDim, config.RopeTheta, h.dtype); // [N,1,T,d]
        for (int i = 0; i < layers.Count; i++)
        {
            if (placement is not null)
            {
                var device = placement[i];
                (h, cos, sin, allowed) = (h.to(device), cos.to(device), sin.to(device), allowed.to(device));
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
        }
        if (placement is not null)
            h = h.to(placement[^1]);
        return norm.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>attentionMask [N,T] → allowed [N,1,T,T]: causal and not a pad key; a position always sees itself,
    /// so rows of left padding never softmax over nothing (their outputs are never used).</summary>
    public static Tensor CausalPaddingMask(Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        long n = attentionMask.shape[0],
            t = attentionMask.shape[1];
        var causal = ones(t, t, @bool, attentionMask.device).tril(); // [T,T]
        var keys = attentionMask.to_type(@bool).view(n, 1, 1, t); // [N,1,1,T]
        var self = eye(t, t, @bool, attentionMask.device); // [T,T]
        return (causal.logical_and(keys)).logical_or(self).MoveToOuterDisposeScope(); // [N,1,T,T]
    }
}
