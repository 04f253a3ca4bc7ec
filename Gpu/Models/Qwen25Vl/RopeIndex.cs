using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// HF <c>Qwen2_5_VLModel.get_rope_index(input_ids, image_grid_thw, attention_mask)</c> for images (docs/qwen25vl.md
/// §1.5): the 3-D M-RoPE positions (temporal, height, width) of every token and each row's rope delta.
/// Per row, over its unpadded tokens only, walking the images in order of appearance:
/// <code>
/// text before the image (vision_start included): positions s, s+1, ... on all three axes, s = previous max + 1
/// the image's lt·lh·lw tokens (lh = h/merge, lw = w/merge): (0, row, column) + s + text length
/// text after the last image: previous max + 1, +2, ...
/// padding: 1 on all axes;  delta = max(position) + 1 − T  (T = padded row length)
/// </code>
/// During cached decoding the token at cache position p gets position p + delta on all three axes.
/// Decisions:
/// 1. Computed on the host with integer arithmetic (exact; the loops are O(N·T)), returned as int64 tensors on the
///    ids' device.
/// 2. Images are found as HF does: a <c>vision_start</c> followed by <c>image_token_id</c> announces an image; its
///    tokens start at the next image token. Grids are consumed in order across the batch (row-major).
/// 3. Stricter than HF, which silently misplaces positions: each image's run must be exactly lt·lh·lw image tokens and
///    the number of grids must equal the number of images; errors name the row, the image and both counts.
/// 4. The delta of a text-only row is max + 1 − T over its real tokens, the same formula whether or not other rows
///    have images (HF's image-free batch path takes the max over the pads' 1 too, which differs only for a
///    one-token row with padding); so a row's positions never depend on the rest of the batch.
/// 5. A caller may cap the images per row (the policy path: one image per row, announced in the prompt); later
///    announcements are text (<see cref="ComputeWithImageTokens"/>).
/// 6. Temporal index of an image token is 0 (HF: second_per_grid_t = 0 for images); videos are not supported.
/// </summary>
public static class RopeIndex
{
    /// <summary>
    /// inputIds [N,T], attentionMask [N,T] (1 token, 0 left pad), grids one (t,h,w) per image in patch units, in order
    /// of appearance → position_ids [3,N,T] int64 and mrope_position_deltas [N,1] int64.
    /// </summary>
    public static (Tensor PositionIds, Tensor Deltas) Compute(
        Tensor inputIds,
        Tensor attentionMask,
        IReadOnlyList<long[]> grids,
        Qwen25VlConfig config
    )
    {
        var (positionIds, deltas, imageTokens) = ComputeWithImageTokens(inputIds, attentionMask, grids, config);
        imageTokens.Dispose();
        return (positionIds, deltas);
    }

    /// <summary>
    /// As <see cref="Compute(Tensor, Tensor, IReadOnlyList{long[]}, Qwen25VlConfig)"/>, also giving imageTokens [N,T]
    /// bool: the tokens that receive image features. With <paramref name="imagesPerRow"/>, only a row's first announced
    /// images are images; a later <c>vision_start</c>/<c>image_pad</c> (a policy can sample them in a response) is
    /// ordinary text, with text positions and its token embedding — exactly what the KV-cached path gives an appended
    /// token.
    /// </summary>
    public static (Tensor PositionIds, Tensor Deltas, Tensor ImageTokens) ComputeWithImageTokens(
        Tensor inputIds,
        Tensor attentionMask,
        IReadOnlyList<long[]> grids,
        Qwen25VlConfig config,
        int? imagesPerRow = null
    )
    {
        ArgumentNullException.ThrowIfNull(config);
        if (inputIds.dim() != 2 || !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"get_rope_index expects input_ids and attention_mask [N,T]; got "
                    + $"[{string.Join(",", inputIds.shape)}] and [{string.Join(",", attentionMask.shape)}]."
            );
        using var scope = NewDisposeScope();
        long n = inputIds.shape[0],
            t = inputIds.shape[1];
        long[] ids = inputIds.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        long[] mask = attentionMask.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        var imageTokens = new bool[n * t];
        var (positions, deltas) = Compute(ids, mask, n, t, grids, config, imagesPerRow, imageTokens);
        return (
            tensor(positions, [3, n, t], ScalarType.Int64).to(inputIds.device).MoveToOuterDisposeScope(),
            tensor(deltas, [n, 1], ScalarType.Int64).to(inputIds.device).MoveToOuterDisposeScope(),
            tensor(imageTokens, [n, t]).to(inputIds.device).MoveToOuterDisposeScope()
        );
    }

    /// <summary>The number of images each row's prompt announces (vision_start followed by image_token_id), ids
    /// [N·T].</summary>
    public static int[] Announced(long[] ids, long n, long t, Qwen25VlConfig config) =>
        [
            .. Enumerable
                .Range(0, (int)n)
                .Select(row =>
                    Enumerable
                        .Range(0, (int)t - 1)
                        .Count(i =>
                            ids[row * t + i] == config.VisionStartTokenId && ids[row * t + i + 1] == config.ImageTokenId
                        )
                ),
        ];

    /// <summary>Row-major ids and mask [N·T] → positions [3·N·T] (axis, row, token) and deltas [N].</summary>
    internal static (long[] Positions, long[] Deltas) Compute(
        long[] ids,
        long[] mask,
        long n,
        long t,
        IReadOnlyList<long[]> grids,
        Qwen25VlConfig config,
        int? imagesPerRow = null,
        bool[]? imageTokens = null
    )
    {
        ArgumentNullException.ThrowIfNull(grids);
        var positions = new long[3 * n * t];
        Array.Fill(positions, 1L);
        var deltas = new long[n];
        int imageIndex = 0;
        for (long row = 0; row < n; row++)
        {
            long[] columns = [.. Enumerable.Range(0, (int)t).Where(c => mask[row * t + c] == 1).Select(c => (long)c)];
            if (columns.Length == 0)
                throw new ArgumentException($"Row {row} of attention_mask has no tokens.");
            long[] tokens = [.. columns.Select(c => ids[row * t + c])];
            var rowImageTokens = new bool[tokens.Length];
            // [3][L]
            var rowPositions = RowPositions(tokens, grids, ref imageIndex, row, config, imagesPerRow, rowImageTokens);
            if (imageTokens is not null)
                for (int j = 0; j < columns.Length; j++)
                    imageTokens[row * t + columns[j]] = rowImageTokens[j];
            for (int axis = 0; axis < 3; axis++)
            for (int j = 0; j < columns.Length; j++)
                positions[(axis * n + row) * t + columns[j]] = rowPositions[axis][j];
            deltas[row] = rowPositions.Max(axis => axis.Max()) + 1 - t;
        }
        if (imageIndex != grids.Count)
            throw new ArgumentException(
                $"The prompts announce {imageIndex} image(s) (vision_start followed by image_token_id "
                    + $"{config.ImageTokenId}) but {grids.Count} image grid(s) were given."
            );
        return (positions, deltas);
    }

    /// <summary>One row's real tokens [L] → positions [3][L]; consumes the row's grids from <paramref
    /// name="imageIndex"/>.</summary>
    private static long[][] RowPositions(
        long[] tokens,
        IReadOnlyList<long[]> grids,
        ref int imageIndex,
        long row,
        Qwen25VlConfig config,
        int? imagesPerRow,
        bool[] imageTokens
    )
    {
        int length = tokens.Length,
            merge = config.Vision.SpatialMergeSize;
        int images = Enumerable
            .Range(0, length - 1)
            .Count(i => tokens[i] == config.VisionStartTokenId && tokens[i + 1] == config.ImageTokenId);
        images = Math.Min(images, imagesPerRow ?? int.MaxValue);
        var result = new[] { new long[length], new long[length], new long[length] };
        int start = 0;
        long next = 0; // previous max + 1
        for (int image = 0; image < images; image++)
        {
            int end = Array.IndexOf(tokens, (long)config.ImageTokenId, start);
            if (imageIndex >= grids.Count)
                throw new ArgumentException(
                    $"Row {row}'s image {image} has no grid: the prompts announce more images than the {grids.Count} "
                        + $"grid(s) given."
                );
            long[] grid = grids[imageIndex++];
            if (grid.Length != 3 || grid[1] % merge != 0 || grid[2] % merge != 0)
                throw new ArgumentException(
                    $"Image grid [{string.Join(",", grid)}] must be (t, h, w) with h and w multiples of "
                        + $"spatial_merge_size {merge}."
                );
            long gridT = grid[0],
                gridH = grid[1] / merge,
                gridW = grid[2] / merge,
                count = gridT * gridH * gridW;
            if (end + count > length || tokens.Skip(end).Take((int)count).Any(token => token != config.ImageTokenId))
                throw new ArgumentException(
                    $"Row {row}'s image {image} has grid [{string.Join(",", grid)}], i.e. {count} image tokens "
                        + $"(image_token_id {config.ImageTokenId}), but its run of image tokens at {end} is shorter."
                );
            for (int i = start; i < end; i++)
                SetAll(result, i, next + (i - start));
            long origin = next + (end - start);
            for (long k = 0; k < count; k++)
            {
                int at = end + (int)k;
                imageTokens[at] = true;
                result[0][at] = origin; // temporal: 0 for images
                result[1][at] = origin + k / gridW % gridH;
                result[2][at] = origin + k % gridW;
            }
            next = origin + Math.Max(gridH, gridW); // = max over the image + 1 (t index is 0)
            start = end + (int)count;
        }
        for (int i = start; i < length; i++)
            SetAll(result, i, next + (i - start));
        return result;
    }

    private static void SetAll(long[][] result, int at, long value)
    {
        result[0][at] = value;
        result[1][at] = value;
        result[2][at] = value;
    }
}
