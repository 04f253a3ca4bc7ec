using SaEI.Gpu.Models.Qwen25Vl;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>get_rope_index on a hand-derived batch, and its refusals.</summary>
public sealed class RopeIndexTests
{
    // Case A's ids: vision_start 288, image 290, vision_end 289; spatial_merge_size 2.
    private const long S = 288,
        I = 290,
        E = 289,
        P = 0;

    /// <summary>
    /// Three rows of length 12, left-padded (pads get 1 on every axis):
    /// row 0: 2 pads, [t, S, I×6, E, t], one image of grid (1,4,6) → lh = 2, lw = 3 (6 tokens).
    ///   t 0, S 1; the image starts at 2: T = 2; H = 2 + k/3 = 2,2,2,3,3,3; W = 2 + k%3 = 2,3,4,2,3,4;
    ///   next = 2 + max(2,3) = 5: E 5, t 6. delta = 6 + 1 − 12 = −5.
    /// row 1: 7 pads, 5 text tokens → 0..4 on every axis; delta = 4 + 1 − 12 = −7.
    /// row 2: 1 pad, [S, I, E, S, I×6, E]: grids (1,2,2) → 1 token, then (1,4,6).
    ///   S 0; image at 1: (1,1,1); next = 1 + max(1,1) = 2: E 2, S 3; image at 4: T 4; H 4,4,4,5,5,5; W 4,5,6,4,5,6;
    ///   next = 4 + 3 = 7: E 7. delta = 7 + 1 − 12 = −4.
    /// </summary>
    [Fact]
    public void A_hand_derived_batch_with_padding_two_images_in_a_row_and_a_text_only_row()
    {
        var config = ReferenceCaseA.Config();
        long[][] ids =
        [
            [P, P, 5, S, I, I, I, I, I, I, E, 7],
            [P, P, P, P, P, P, P, 1, 2, 3, 4, 5],
            [P, S, I, E, S, I, I, I, I, I, I, E],
        ];
        long[][] mask = [.. ids.Select((row, r) => row.Select((_, c) => c < new[] { 2, 7, 1 }[r] ? 0L : 1L).ToArray())];
        long[][] grids =
        [
            [1, 4, 6],
            [1, 2, 2],
            [1, 4, 6],
        ];
        using var inputIds = tensor(ids.SelectMany(r => r).ToArray(), [3, 12]);
        using var attentionMask = tensor(mask.SelectMany(r => r).ToArray(), [3, 12]);
        var (positions, deltas) = RopeIndex.Compute(inputIds, attentionMask, grids, config);
        using (positions)
        using (deltas)
        {
            long[][][] expected =
            [
                [
                    [1, 1, 0, 1, 2, 2, 2, 2, 2, 2, 5, 6],
                    [1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 3, 4],
                    [1, 0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 7],
                ],
                [
                    [1, 1, 0, 1, 2, 2, 2, 3, 3, 3, 5, 6],
                    [1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 3, 4],
                    [1, 0, 1, 2, 3, 4, 4, 4, 5, 5, 5, 7],
                ],
                [
                    [1, 1, 0, 1, 2, 3, 4, 2, 3, 4, 5, 6],
                    [1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 3, 4],
                    [1, 0, 1, 2, 3, 4, 5, 6, 4, 5, 6, 7],
                ],
            ];
            Assert.Equal([3L, 3, 12], positions.shape);
            Assert.Equal(expected.SelectMany(a => a.SelectMany(r => r)).ToArray(), positions.data<long>().ToArray());
            Assert.Equal([-5L, -7, -4], deltas.data<long>().ToArray());
        }
    }

    [Fact]
    public void Text_only_rows_are_cumulative_positions_with_pads_at_one()
    {
        var config = ReferenceCaseA.Config();
        using var inputIds = tensor(new long[] { P, P, 3, 4, 5, 6, 7, 8 }, [2, 4]);
        using var attentionMask = tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1 }, [2, 4]);
        var (positions, deltas) = RopeIndex.Compute(inputIds, attentionMask, [], config);
        using (positions)
        using (deltas)
        {
            long[] axis = [1, 1, 0, 1, 0, 1, 2, 3];
            Assert.Equal(axis.Concat(axis).Concat(axis).ToArray(), positions.data<long>().ToArray());
            Assert.Equal([-2L, 0], deltas.data<long>().ToArray());
        }
    }

    [Fact]
    public void A_short_image_run_names_the_row_the_image_and_the_counts()
    {
        var config = ReferenceCaseA.Config();
        using var inputIds = tensor(new long[] { 5, S, I, I, I, E }, [1, 6]);
        using var attentionMask = ones_like(inputIds);
        var error = Assert.Throws<ArgumentException>(() =>
            RopeIndex.Compute(
                inputIds,
                attentionMask,
                [
                    [1, 4, 4],
                ],
                config
            )
        );
        Assert.Contains("Row 0's image 0", error.Message);
        Assert.Contains("4 image tokens", error.Message);
    }

    [Fact]
    public void More_grids_than_images_is_refused()
    {
        var config = ReferenceCaseA.Config();
        using var inputIds = tensor(new long[] { 5, S, I, E }, [1, 4]);
        using var attentionMask = ones_like(inputIds);
        var error = Assert.Throws<ArgumentException>(() =>
            RopeIndex.Compute(
                inputIds,
                attentionMask,
                [
                    [1, 2, 2],
                    [1, 2, 2],
                ],
                config
            )
        );
        Assert.Contains("1 image(s)", error.Message);
        Assert.Contains("2 image grid(s)", error.Message);
    }
}
