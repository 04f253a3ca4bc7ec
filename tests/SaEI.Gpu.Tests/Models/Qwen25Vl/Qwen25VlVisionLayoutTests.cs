using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Issue 12: shapes and configurations case A does not cover, checked against the naive HF-style
/// <see cref="VisionReference"/> (float64): several images of different sizes in one call, every block windowed
/// (fullatt = []), grids that are exact multiples of the window (HF's extra empty window), and a 2-frame grid.
/// </summary>
public sealed class Qwen25VlVisionLayoutTests
{
    [Fact]
    public void Two_images_of_different_sizes_in_one_call_equal_each_image_alone()
    {
        var (model, weights) = VisionTestModels.Random(VisionTestModels.CaseAVision(), seed: 5);
        using var _ = model;
        var images = VisionTestModels.Images(11, ScalarType.Float64, (112, 140), (56, 84));
        var processor = new Qwen25VlImageProcessor(model.Config);
        using var batch = ImageBatch.Pack(images, CPU);
        var (pixelValues, grid) = processor.Preprocess(batch.WithPixels(batch.Pixels.to_type(ScalarType.Float64)));
        using (no_grad())
        {
            var together = model.Forward(pixelValues, grid); // [20 + 6, out]
            Assert.Equal([26L, model.Config.OutHiddenSize], together.shape);
            long offset = 0;
            foreach (var image in images)
            {
                var (alonePixels, aloneGrid) = processor.Preprocess([image]);
                var alone = model.Forward(alonePixels, aloneGrid);
                AssertRelative(
                    $"image {aloneGrid[0][1]}x{aloneGrid[0][2]} batched vs alone",
                    together.narrow(0, offset, alone.shape[0]),
                    alone
                );
                offset += alone.shape[0];
            }
            var reference = VisionReference.Forward(weights, model.Config, pixelValues, grid);
            AssertRelative("mixed sizes vs reference", together, reference);
        }
    }

    [Theory]
    [InlineData(56, new int[0], 8, 10)] // every block windowed
    [InlineData(56, new[] { 1, 3 }, 8, 8)] // merged grid 4×4, window 2: an exact multiple (HF pads an empty window)
    [InlineData(112, new int[0], 16, 8)] // window 4 merged tokens, grid 8×4: exact multiple both ways, all windowed
    [InlineData(28, new[] { 0 }, 4, 6)] // window of one merged token
    public void Configurations_match_the_reference(int windowSize, int[] fullAttention, int gridH, int gridW)
    {
        var config = VisionTestModels.CaseAVision(windowSize, fullAttention);
        var (model, weights) = VisionTestModels.Random(config, seed: 3);
        using var _ = model;
        var images = VisionTestModels.Images(2, ScalarType.Float64, (gridH * 14, gridW * 14), (56, 112));
        var (pixelValues, grid) = new Qwen25VlImageProcessor(config).Preprocess(images);
        using (no_grad())
        using (var run = model.ForwardWithIntermediates(pixelValues, grid))
        {
            var (windowIndex, cuWindow) = VisionReference.WindowIndexReference(config, grid);
            Assert.Equal(windowIndex.data<long>().ToArray(), run.WindowIndex);
            Assert.Equal(cuWindow.data<long>().ToArray(), run.CuWindowSeqlens.Select(v => (long)v));
            ReferenceCaseA.AssertClose("rotary", run.RotaryAngles, VisionReference.RotaryPositions(config, grid), 1e-5);
            AssertRelative(
                "image_embeds",
                run.ImageEmbeds,
                VisionReference.Forward(weights, config, pixelValues, grid)
            );
        }
    }

    [Fact]
    public void An_exact_multiple_grid_gets_whole_windows_and_no_empty_segment()
    {
        // grid 8×8 patches → 4×4 merged tokens, window 2: pad_h = pad_w = 2 (HF's quirk) gives a 3×3 window grid whose
        // last row and column are empty; unique_consecutive drops them: 4 windows of 4 merged tokens = 16 patches each.
        var (index, cu) = WindowIndex.Compute(
            [
                [1, 8, 8],
            ],
            mergeSize: 2,
            mergerWindowSize: 2
        );
        Assert.Equal([0, 16, 32, 48, 64], cu);
        Assert.Equal([0L, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15], index);
    }

    [Fact]
    public void Two_frames_get_one_full_segment_each_and_windows_per_frame()
    {
        var config = VisionTestModels.CaseAVision();
        var (model, weights) = VisionTestModels.Random(config, seed: 9);
        using var _ = model;
        long[][] grid =
        [
            [2, 4, 6],
        ];
        using var generator = new Generator(4, CPU);
        var pixelValues = rand([48, 1176], ScalarType.Float64, generator: generator);
        using (no_grad())
        using (var run = model.ForwardWithIntermediates(pixelValues, grid))
        {
            Assert.Equal([0, 24, 48], run.CuSeqlens);
            AssertRelative("2 frames", run.ImageEmbeds, VisionReference.Forward(weights, config, pixelValues, grid));
        }
    }

    /// <summary>
    /// max |Δ| ≤ 1e-6 · max |expected|. Both sides run in float64 except where HF runs float32 whatever the dtype
    /// (RMSNorm statistics, rotary cos/sin), so equal computations agree to float32 rounding (~1e-7 relative), while
    /// the mistakes this catches (window vs full attention, patch order, another image's tokens) move outputs by O(1).
    /// </summary>
    private static void AssertRelative(string key, Tensor actual, Tensor expected)
    {
        double scale = expected.abs().max().item<double>();
        ReferenceCaseA.AssertClose(key, actual, expected, 1e-6 * scale);
    }

    [Fact]
    public void Mismatched_inputs_are_refused_with_the_fix()
    {
        using var model = new Qwen25VlVisionModel(VisionTestModels.CaseAVision());
        var processor = new Qwen25VlImageProcessor(model.Config);
        var wrongSize = Assert.Throws<ArgumentException>(() => processor.Preprocess([zeros(3, 100, 150)]));
        Assert.Contains("112x140", wrongSize.Message, StringComparison.Ordinal);
        var wrongRows = Assert.Throws<ArgumentException>(() =>
            model.Forward(
                zeros(10, 1176),
                [
                    [1, 8, 10],
                ]
            )
        );
        Assert.Contains("80", wrongRows.Message, StringComparison.Ordinal);
        var wrongGrid = Assert.Throws<ArgumentException>(() =>
            model.Forward(
                zeros(15, 1176),
                [
                    [1, 3, 5],
                ]
            )
        );
        Assert.Contains("spatial_merge_size", wrongGrid.Message, StringComparison.Ordinal);
    }
}
