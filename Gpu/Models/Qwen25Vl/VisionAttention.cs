using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL vision self-attention (HF <c>Qwen2_5_VLVisionAttention</c>, docs/qwen25vl.md §1.2): non-causal, inside
/// the segments of <see cref="VisionSegments"/>, with 2-D rotary positions on q and k:
/// <code>
/// q, k, v = qkv(x).reshape(S, 3, H, d)        rotary on q, k in float32, cast back
/// out = proj( attention per segment (q, k, v) )   scale d^-½
/// </code>
/// </summary>
internal sealed class VisionAttention : nn.Module
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly long heads;

    public VisionAttention(long width, long heads)
        : base(nameof(VisionAttention))
    {
        this.heads = heads;
        qkv = nn.Linear(width, 3 * width, hasBias: true);
        proj = nn.Linear(width, width, hasBias: true);
        RegisterComponents();
    }

    /// <summary>x [S,D], cos/sin [S,1,d] float32 → [S,D].</summary>
    public Tensor Forward(Tensor x, VisionSegments segments, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long rows = x.shape[0],
            width = x.shape[1];
        var qkvHeads = qkv.forward(x).view(rows, 3, heads, width / heads); // [S,3,H,d]
        var q = VisionRotaryEmbedding.Apply(qkvHeads.select(1, 0), cos, sin); // [S,H,d]
        var k = VisionRotaryEmbedding.Apply(qkvHeads.select(1, 1), cos, sin); // [S,H,d]
        var v = qkvHeads.select(1, 2); // [S,H,d]
        var context = segments.Attend(q, k, v).reshape(rows, width); // [S,D]
        return proj.forward(context).MoveToOuterDisposeScope();
    }
}
