namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The token layout of Qwen2.5-VL's window attention (HF <c>get_window_index</c> and the <c>cu_seqlens</c> of
/// <c>Qwen2_5_VisionTransformerPretrainedModel.forward</c>, docs/qwen25vl.md §1.2), as plain integer arrays. For each
/// image (t, h, w) in patch units the merged-token grid (lh, lw) = (h/m, w/m) is padded at the bottom and right to
/// whole windows of W×W merged tokens (W = window_size/m/p) and read window by window, row-major inside a window:
/// <code>
/// pad_h = W − lh mod W, pad_w = W − lw mod W        (a full extra W when already divisible: HF's quirk, kept)
/// window_index = merged tokens in window order (+ offset of the image);  seqlen(window) = its real tokens
/// cu_window_seqlens = 0, cumsum(seqlen·m²) over all windows, empty windows dropped (unique_consecutive)
/// cu_seqlens = 0, cumsum(h·w) repeated t times      (one full-attention segment per frame)
/// </code>
/// Decisions:
/// 1. Computed on the host in C# arrays: it depends only on the grid, is cheap, and its values feed index tensors and
///    segment lengths that the attention needs on the host anyway.
/// 2. The quirk of the extra window is harmless (it is empty and dropped) but kept literally, so the loop reads like
///    HF's code and a grid that is an exact multiple of the window is tested against it.
/// </summary>
internal static class WindowIndex
{
    /// <summary>grid (t,h,w) per image → window permutation of merged tokens [ΣS_i/m²] and cu_window_seqlens (patch
    /// units).</summary>
    public static (long[] WindowIndex, int[] CuWindowSeqlens) Compute(
        IReadOnlyList<long[]> gridThw,
        int mergeSize,
        int mergerWindowSize
    )
    {
        if (mergerWindowSize < 1)
            throw new ArgumentOutOfRangeException(
                nameof(mergerWindowSize),
                mergerWindowSize,
                "window_size must cover at least one merged token (window_size ≥ patch_size·spatial_merge_size)."
            );
        int mergeUnit = mergeSize * mergeSize,
            window = mergerWindowSize;
        var index = new List<long>();
        var cumulative = new List<int> { 0 };
        long offset = 0;
        foreach (var (t, h, w) in Validated(gridThw, mergeSize))
        {
            long lh = h / mergeSize,
                lw = w / mergeSize;
            long padH = window - (lh % window),
                padW = window - (lw % window);
            long windowsH = (lh + padH) / window,
                windowsW = (lw + padW) / window;
            for (long frame = 0; frame < t; frame++)
            {
                for (long wy = 0; wy < windowsH; wy++)
                {
                    for (long wx = 0; wx < windowsW; wx++)
                    {
                        int count = 0;
                        for (long y = wy * window; y < Math.Min((wy + 1) * window, lh); y++)
                        {
                            for (long x = wx * window; x < Math.Min((wx + 1) * window, lw); x++)
                            {
                                index.Add(offset + (frame * lh * lw) + (y * lw) + x);
                                count++;
                            }
                        }
                        if (count > 0)
                            cumulative.Add(checked(cumulative[^1] + (count * mergeUnit)));
                    }
                }
            }
            offset += t * lh * lw;
        }
        return ([.. index], [.. cumulative]);
    }

    /// <summary>Full-attention segments: 0, then the cumulative patch count of each frame of each image.</summary>
    public static int[] CuSeqlens(IReadOnlyList<long[]> gridThw, int mergeSize)
    {
        var cumulative = new List<int> { 0 };
        foreach (var (t, h, w) in Validated(gridThw, mergeSize))
        {
            for (long frame = 0; frame < t; frame++)
                cumulative.Add(checked(cumulative[^1] + (int)(h * w)));
        }
        return [.. cumulative];
    }

    /// <summary>Total patches Σ t·h·w.</summary>
    public static long PatchCount(IReadOnlyList<long[]> gridThw) => gridThw.Sum(g => g[0] * g[1] * g[2]);

    /// <summary>Each grid row as (t,h,w), checked: three positive entries, h and w multiples of the merge
    /// size.</summary>
    public static IEnumerable<(long T, long H, long W)> Validated(IReadOnlyList<long[]> gridThw, int mergeSize)
    {
        ArgumentNullException.ThrowIfNull(gridThw);
        if (gridThw.Count == 0)
            throw new ArgumentException("grid_thw is empty: pass one (t,h,w) per image.", nameof(gridThw));
        for (int i = 0; i < gridThw.Count; i++)
        {
            long[] g = gridThw[i];
            if (
                g is not { Length: 3 }
                || g[0] < 1
                || g[1] < 1
                || g[2] < 1
                || g[1] % mergeSize != 0
                || g[2] % mergeSize != 0
            )
                throw new ArgumentException(
                    $"grid_thw[{i}] = [{string.Join(",", g ?? [])}] must be (t,h,w) in patch units with h and w "
                        + $"multiples of spatial_merge_size {mergeSize}; take it from Qwen25VlImageProcessor.",
                    nameof(gridThw)
                );
        }
        return gridThw.Select(g => (g[0], g[1], g[2]));
    }
}
