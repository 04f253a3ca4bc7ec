using SaEI.Gpu.Models;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models;

/// <summary>
/// ImageBatch row operations on hand-made images: row i is filled with the value i+1 so every operation's effect on
/// rows, sizes and padding can be read off directly.
/// </summary>
public sealed class ImageBatchTests
{
    public ImageBatchTests() => TorchRuntime.Initialize(1);

    /// <summary>Three images: 2×3 of 0.1, 4×2 of 0.2, 3×3 of 0.3 → padded [3,3,4,3].</summary>
    private static ImageBatch Sample()
    {
        using var scope = NewDisposeScope();
        Tensor[] images = [full(3, 2, 3, 0.1f), full(3, 4, 2, 0.2f), full(3, 3, 3, 0.3f)];
        var batch = ImageBatch.Pack(images, CPU);
        batch.Pixels.MoveToOuterDisposeScope();
        return batch;
    }

    private static float Sum(Tensor t) => t.sum().item<float>();

    [Fact]
    public void Pack_puts_each_image_top_left_and_zeros_on_the_padding()
    {
        using var batch = Sample();
        using var scope = NewDisposeScope();
        Assert.Equal([3L, 3, 4, 3], batch.Pixels.shape);
        Assert.Equal([new ImageSize(2, 3), new ImageSize(4, 2), new ImageSize(3, 3)], batch.Sizes);
        Assert.False(batch.IsUniform);
        // Each row's sum is its value × 3 channels × its own area: nothing leaked into the padding.
        Assert.Equal(0.1f * 3 * 6, Sum(batch.Pixels[0]), 4);
        Assert.Equal(0.2f * 3 * 8, Sum(batch.Pixels[1]), 4);
        Assert.Equal(0.3f * 3 * 9, Sum(batch.Pixels[2]), 4);
        Assert.Equal([3L, 4, 2], batch.Image(1).shape);
        Assert.True(batch.Image(2).eq(full(3, 3, 3, 0.3f)).all().item<bool>());
    }

    [Fact]
    public void Mask_is_one_exactly_inside_each_image()
    {
        using var batch = Sample();
        using var scope = NewDisposeScope();
        var mask = batch.Mask(); // [3,1,4,3]
        Assert.Equal([3L, 1, 4, 3], mask.shape);
        Assert.Equal([6f, 8f, 9f], [Sum(mask[0]), Sum(mask[1]), Sum(mask[2])]);
        Assert.True(batch.Pixels.ne(0).eq(mask.expand_as(batch.Pixels).to_type(ScalarType.Bool)).all().item<bool>());
    }

    [Fact]
    public void Row_operations_keep_rows_and_sizes_together()
    {
        using var batch = Sample();
        using var scope = NewDisposeScope();

        var repeated = batch.RepeatInterleave(2); // rows 0,0,1,1,2,2
        Assert.Equal(6, repeated.Count);
        Assert.Equal(new ImageSize(4, 2), repeated.Sizes[3]);
        Assert.True(repeated.Image(3).eq(batch.Image(1)).all().item<bool>());

        var picked = batch.IndexSelect(tensor(new long[] { 2, 0 })); // rows 2, 0
        Assert.Equal([new ImageSize(3, 3), new ImageSize(2, 3)], picked.Sizes);
        Assert.True(picked.Pixels[1].eq(batch.Pixels[0]).all().item<bool>());

        var narrowed = batch.Narrow(1, 2); // rows 1, 2
        Assert.Equal([new ImageSize(4, 2), new ImageSize(3, 3)], narrowed.Sizes);
        Assert.Equal(0.3f * 3 * 9, Sum(narrowed.Pixels[1]), 4);

        using var small = ImageBatch.Pack([full(3, 1, 5, 0.5f)], CPU); // wider than the sample
        var joined = ImageBatch.Cat([batch, small]);
        Assert.Equal([4L, 3, 4, 5], joined.Pixels.shape);
        Assert.Equal(new ImageSize(1, 5), joined.Sizes[3]);
        Assert.Equal(0.1f * 3 * 6, Sum(joined.Pixels[0]), 4); // padding grew with zeros
        Assert.Equal(0.5f * 3 * 5, Sum(joined.Pixels[3]), 4);
    }

    [Fact]
    public void WithPixels_keeps_the_sizes_and_refuses_another_shape()
    {
        using var batch = Sample();
        using var scope = NewDisposeScope();
        var doubled = batch.WithPixels(batch.Pixels.mul(Scalars.Two));
        Assert.Equal(batch.Sizes, doubled.Sizes);
        Assert.Equal(0.4f * 3 * 8, Sum(doubled.Image(1)), 4);
        var error = Assert.Throws<ArgumentException>(() => batch.WithPixels(zeros(3, 3, 4, 4)));
        Assert.Contains("[3,3,4,3]", error.Message);
    }

    [Fact]
    public void Uniform_batches_have_no_padding_and_bad_sizes_are_refused()
    {
        using var scope = NewDisposeScope();
        using var uniform = ImageBatch.Uniform(rand(2, 3, 5, 4));
        Assert.True(uniform.IsUniform);
        Assert.Equal(new ImageSize(5, 4), uniform.Sizes[1]);
        Assert.True(uniform.Mask().eq(1).all().item<bool>());
        var tooBig = Assert.Throws<ArgumentException>(() => new ImageBatch(zeros(1, 3, 4, 4), [new ImageSize(5, 4)]));
        Assert.Contains("Row 0", tooBig.Message);
        Assert.Throws<ArgumentException>(() => ImageBatch.Pack([zeros(1, 4, 4)], CPU));
    }
}
