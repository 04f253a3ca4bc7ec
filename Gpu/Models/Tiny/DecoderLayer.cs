using SaEI.Gpu.Runtime;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>Qwen2DecoderLayer (pre-norm): h += self_attn(input_layernorm(h)); h +=
/// mlp(post_attention_layernorm(h)).</summary>
internal sealed class DecoderLayer : nn.Module
{
    [ComponentName(Name = "input_layernorm")]
    private readonly RmsNorm inputLayerNorm;

    [ComponentName(Name = "self_attn")]
    private readonly GroupedQueryAttention selfAttention;

    [ComponentName(Name = "post_attention_layernorm")]
    private readonly RmsNorm postAttentionLayerNorm;

    [ComponentName(Name = "mlp")]
    private readonly SwiGluMlp mlp;

    public DecoderLayer(TinyVlmConfig config)
        : base(nameof(DecoderLayer))
    {
        inputLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        selfAttention = new GroupedQueryAttention(config);
        postAttentionLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        mlp = new SwiGluMlp(config.HiddenSize, config.IntermediateSize, bias: false);
        RegisterComponents();
    }

    /// <summary>h [N,T,D] → [N,T,D]; see <see cref="GroupedQueryAttention.Forward"/> for the other arguments.</summary>
    public Tensor Forward(Tensor h, Tensor cos, Tensor sin, Tensor allowed, LayerKvCache? cache, long offset)
    {
        using var scope = NewDisposeScope();
        h = h.add(selfAttention.Forward(inputLayerNorm.forward(h), cos, sin, allowed, cache, offset), Scalars.One);
        h = h.add(mlp.forward(postAttentionLayerNorm.forward(h)), Scalars.One);
        return h.MoveToOuterDisposeScope();
    }
}
