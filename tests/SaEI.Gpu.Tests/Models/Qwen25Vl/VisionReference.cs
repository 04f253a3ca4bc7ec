using SaEI.Gpu.Models.Qwen25Vl;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// A second, deliberately naive vision tower written the way HF's mid-2025 <c>modeling_qwen2_5_vl.py</c> reads
/// (docs/qwen25vl.md §1.2), in float64 straight from a weight dictionary: rot_pos_emb by arange/expand/permute and a
/// frequency table, get_window_index by padding with −100 and masking, and attention over the whole sequence with a
/// boolean block-diagonal mask built from cu_seqlens (the old HF formulation). It shares no code with <see
/// cref="Qwen25VlVisionModel"/>, so configurations without a Hugging Face dump (all-window, exact window multiples,
/// several images) are checked against it.
/// </summary>
internal static class VisionReference
{
    public static Tensor Forward(
        IReadOnlyDictionary<string, Tensor> w,
        Qwen25VlVisionConfig config,
        Tensor pixelValues,
        IReadOnlyList<long[]> grid
    )
    {
        using var scope = NewDisposeScope();
        Tensor W(string name) => w[name].to_type(ScalarType.Float64);
        int m = config.SpatialMergeSize,
            unit = m * m;
        long hidden = config.HiddenSize;
        var x = pixelValues.to_type(ScalarType.Float64).matmul(W("patch_embed.proj.weight").reshape(hidden, -1).t());
        long s = x.shape[0];
        var rot = RotaryPositions(config, grid);
        var (windowIndex, cuWindow) = WindowIndexReference(config, grid);
        var cuFull = cat([
            zeros(1, ScalarType.Int64),
            tensor(grid.SelectMany(g => Enumerable.Repeat(g[1] * g[2], (int)g[0])).ToArray()).cumsum(0),
        ]);
        x = x.reshape(s / unit, unit, -1)[windowIndex].reshape(s, -1);
        rot = rot.reshape(s / unit, unit, -1)[windowIndex].reshape(s, -1);
        var emb = cat([rot, rot], -1).to_type(ScalarType.Float32); // HF: cos/sin in float32
        var (cos, sin) = (
            emb.cos().unsqueeze(1).to_type(ScalarType.Float64),
            emb.sin().unsqueeze(1).to_type(ScalarType.Float64)
        );
        for (int i = 0; i < config.Depth; i++)
        {
            string b = $"blocks.{i}.";
            var mask = BlockDiagonal(config.FullAttentionBlockIndexes.Contains(i) ? cuFull : cuWindow, s);
            var h = RmsNorm(x, W(b + "norm1.weight"));
            var qkv = h.matmul(W(b + "attn.qkv.weight").t()) + W(b + "attn.qkv.bias");
            long heads = config.NumHeads,
                d = hidden / heads;
            qkv = qkv.reshape(s, 3, heads, d).permute(1, 0, 2, 3);
            Tensor Rotate(Tensor t) =>
                (t * cos) + (cat([-t[.., .., (int)(d / 2)..], t[.., .., ..(int)(d / 2)]], -1) * sin);
            // [H,S,d]
            var (q, k, v) = (Rotate(qkv[0]).transpose(0, 1), Rotate(qkv[1]).transpose(0, 1), qkv[2].transpose(0, 1));
            var scores = q.matmul(k.transpose(1, 2)) / Math.Sqrt(d);
            // [H,S,d]
            var attention = scores.masked_fill(mask.logical_not(), double.NegativeInfinity).softmax(-1).matmul(v);
            x =
                x
                + (
                    attention.transpose(0, 1).reshape(s, hidden).matmul(W(b + "attn.proj.weight").t())
                    + W(b + "attn.proj.bias")
                );
            h = RmsNorm(x, W(b + "norm2.weight"));
            Tensor Linear(Tensor t, string name) =>
                t.matmul(W(b + $"mlp.{name}.weight").t()) + W(b + $"mlp.{name}.bias");
            x = x + Linear(nn.functional.silu(Linear(h, "gate_proj")) * Linear(h, "up_proj"), "down_proj");
        }
        var merged = RmsNorm(x, W("merger.ln_q.weight")).reshape(-1, hidden * unit);
        merged = nn.functional.gelu(merged.matmul(W("merger.mlp.0.weight").t()) + W("merger.mlp.0.bias"));
        merged = merged.matmul(W("merger.mlp.2.weight").t()) + W("merger.mlp.2.bias");
        return merged[windowIndex.argsort()].MoveToOuterDisposeScope();
    }

    /// <summary>HF rot_pos_emb: [S, head_dim/2] angles in processor order.</summary>
    public static Tensor RotaryPositions(Qwen25VlVisionConfig config, IReadOnlyList<long[]> grid)
    {
        int m = config.SpatialMergeSize;
        var ids = new List<Tensor>();
        foreach (var g in grid)
        {
            long t = g[0],
                h = g[1],
                w = g[2];
            var hpos = arange(h).unsqueeze(1).expand(-1, w).reshape(h / m, m, w / m, m).permute(0, 2, 1, 3).flatten();
            var wpos = arange(w).unsqueeze(0).expand(h, -1).reshape(h / m, m, w / m, m).permute(0, 2, 1, 3).flatten();
            ids.Add(stack([hpos, wpos], -1).repeat(t, 1));
        }
        var positions = cat(ids, 0);
        long dim = config.HeadDim / 2;
        // HF computes the table in float32 whatever the model's dtype; so does this reference.
        var inverseFrequency = 1.0 / pow(tensor(10000.0f), arange(0, dim, 2, ScalarType.Float32) / (float)dim);
        var table = outer(arange(grid.Max(g => Math.Max(g[1], g[2])), ScalarType.Float32), inverseFrequency);
        return table[positions].flatten(1).to_type(ScalarType.Float64);
    }

    /// <summary>HF get_window_index plus unique_consecutive: (window_index, cu_window_seqlens).</summary>
    public static (Tensor WindowIndex, Tensor CuWindowSeqlens) WindowIndexReference(
        Qwen25VlVisionConfig config,
        IReadOnlyList<long[]> grid
    )
    {
        int m = config.SpatialMergeSize,
            window = config.MergerWindowSize;
        var indexes = new List<Tensor>();
        var cumulative = new List<long> { 0 };
        long offset = 0;
        foreach (var g in grid)
        {
            long t = g[0],
                lh = g[1] / m,
                lw = g[2] / m;
            var index = arange(t * lh * lw).reshape(t, lh, lw);
            long padH = window - (lh % window),
                padW = window - (lw % window);
            long nH = (lh + padH) / window,
                nW = (lw + padW) / window;
            var padded = nn
                .functional.pad(index, [0, padW, 0, padH], value: -100)
                .reshape(t, nH, window, nW, window)
                .permute(0, 1, 3, 2, 4)
                .reshape(t, nH * nW, window, window);
            var valid = padded.ne(-100);
            var seqlens = valid.sum([2, 3], type: ScalarType.Int64).reshape(-1);
            indexes.Add(padded.masked_select(valid) + offset);
            long last = cumulative[^1];
            cumulative.AddRange(seqlens.cumsum(0).mul(m * m).add(last).data<long>().ToArray());
            offset += t * lh * lw;
        }
        return (cat(indexes, 0), tensor(cumulative.ToArray()).unique_consecutive().output);
    }

    private static Tensor BlockDiagonal(Tensor cu, long s)
    {
        var mask = zeros([s, s], ScalarType.Bool);
        long[] bounds = cu.data<long>().ToArray();
        for (int j = 1; j < bounds.Length; j++)
            mask[TensorIndex.Slice(bounds[j - 1], bounds[j]), TensorIndex.Slice(bounds[j - 1], bounds[j])] = ones(
                [bounds[j] - bounds[j - 1], bounds[j] - bounds[j - 1]],
                ScalarType.Bool
            );
        return mask;
    }

    /// <summary>Qwen2RMSNorm literally: statistics of x.float(), cast back, times the weight.</summary>
    private static Tensor RmsNorm(Tensor x, Tensor weight)
    {
        var x32 = x.to_type(ScalarType.Float32);
        return weight * (x32 * rsqrt(x32.pow(2).mean([-1], keepdim: true) + 1e-6)).to_type(x.dtype);
    }
}
