using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Attention that runs separately inside each segment [cu[j], cu[j+1]) of the rows (HF's vision attention over
/// <c>cu_seqlens</c>: windows on most blocks, one segment per image frame on the full-attention blocks):
/// <code>out[rows of j] = softmax(q_j·k_jᵀ/√d)·v_j     for each segment j, never across segments</code>
/// Decisions:
/// 1. Segments are grouped by length and each group runs as one batched, unpadded, unmasked attention
///    [n_L, H, L, d]. Windows come in at most four lengths per image size (inner, right edge, bottom edge, corner),
///    so the window blocks are a handful of calls over [S/64, 16, 64, 80] for the 7B; a full block is one call per
///    distinct image size. Memory is Σ n_L·H·L² (never the S² of a block-diagonal mask, which for the 7B's thousands of
///    patches would be gigabytes per block), no compute is spent on padding, and with no mask the fused SDPA kernels
///    (flash / memory-efficient on CUDA) apply.
/// 2. scaled_dot_product_attention with scale 1/√d, as HF's default "sdpa" path; its kernels accumulate the softmax in
///    float32 for bf16 inputs.
/// 3. Rows are gathered per group with index_select and put back with one index_select by the inverse permutation
///    (both differentiable); a single group is a plain view, no copy.
/// The row index tensors are made once per forward and shared by every block that uses the same segments.
/// </summary>
internal sealed class VisionSegments
{
    private readonly List<(long Count, long Length, Tensor? Rows)> groups = [];
    private readonly Tensor? inverse;

    /// <summary>cu: 0 = cu[0] &lt; cu[1] &lt; … = S (empty segments are not allowed); index tensors on <paramref
    /// name="device"/>.</summary>
    public VisionSegments(IReadOnlyList<int> cu, Device device)
    {
        if (cu.Count < 2 || cu[0] != 0 || Enumerable.Range(1, cu.Count - 1).Any(j => cu[j] <= cu[j - 1]))
            throw new ArgumentException(
                $"cu_seqlens [{string.Join(",", cu)}] must start at 0 and increase strictly.",
                nameof(cu)
            );
        Boundaries = [.. cu];
        var byLength = Enumerable.Range(0, cu.Count - 1).GroupBy(j => cu[j + 1] - cu[j]).ToList();
        if (byLength.Count == 1)
        {
            groups.Add((cu.Count - 1, byLength[0].Key, null));
            return;
        }
        var order = new List<long>(cu[^1]);
        foreach (var group in byLength)
        {
            long[] rows = [.. group.SelectMany(j => Enumerable.Range(cu[j], cu[j + 1] - cu[j]).Select(r => (long)r))];
            groups.Add((group.Count(), group.Key, tensor(rows, ScalarType.Int64, device)));
            order.AddRange(rows);
        }
        var inverseRows = new long[order.Count];
        for (int i = 0; i < order.Count; i++)
            inverseRows[order[i]] = i;
        inverse = tensor(inverseRows, ScalarType.Int64, device);
    }

    /// <summary>The segment boundaries (cu_seqlens).</summary>
    public IReadOnlyList<int> Boundaries { get; }

    /// <summary>q, k, v [S,H,d] → attention inside each segment [S,H,d].</summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        long heads = q.shape[1],
            headDim = q.shape[2];
        var outputs = new List<Tensor>(groups.Count);
        foreach (var (count, length, rows) in groups)
        {
            Tensor Batch(Tensor x) =>
                // [n,H,L,d]
                (rows is null ? x : x.index_select(0, rows))
                    .view(count, length, heads, headDim)
                    .transpose(1, 2);
            // [n,H,L,d]
            var context = nn.functional.scaled_dot_product_attention(Batch(q), Batch(k), Batch(v), null, 0.0, false);
            outputs.Add(context.transpose(1, 2).reshape(count * length, heads, headDim)); // [n·L,H,d]
        }
        var output = inverse is null ? outputs[0] : cat(outputs, 0).index_select(0, inverse); // [S,H,d]
        return output.MoveToOuterDisposeScope();
    }
}
