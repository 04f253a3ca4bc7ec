using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// HF <c>Qwen2_5_VLDecoderLayer</c> (pre-norm): h += self_attn(input_layernorm(h)); h +=
/// mlp(post_attention_layernorm(h)). The MLP is Qwen2MLP, down_proj(silu(gate_proj(x)) · up_proj(x)) without bias (<see
/// cref="SwiGluMlp"/>).
/// </summary>
internal sealed class Qwen25VlDecoderLayer : nn.Module
{
    [ComponentName(Name = "input_layernorm")]
    private readonly RmsNorm inputLayerNorm;

    [ComponentName(Name = "self_attn")]
    private readonly Qwen25VlAttention selfAttention;

    [ComponentName(Name = "post_attention_layernorm")]
    private readonly RmsNorm postAttentionLayerNorm;
    private readonly SwiGluMlp mlp;

    public Qwen25VlDecoderLayer(Qwen25VlConfig config)
        : base(nameof(Qwen25VlDecoderLayer))
    {
        inputLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        selfAttention = new Qwen25VlAttention(config);
        postAttentionLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        mlp = new SwiGluMlp(config.HiddenSize, config.IntermediateSize, bias: false);
        RegisterComponents();
    }

    /// <summary>h [N,T,D] → [N,T,D]; the other arguments as in <see cref="Qwen25VlAttention.Forward"/>.</summary>
    public Tensor Forward(Tensor h, Tensor cos, Tensor sin, Tensor allowed, LayerKvCache? cache, long offset)
    {
        using var scope = NewDisposeScope();
        h = h.add(selfAttention.Forward(inputLayerNorm.forward(h), cos, sin, allowed, cache, offset), Scalars.One);
        h = h.add(mlp.forward(postAttentionLayerNorm.forward(h)), Scalars.One);
        return h.MoveToOuterDisposeScope();
    }
}
