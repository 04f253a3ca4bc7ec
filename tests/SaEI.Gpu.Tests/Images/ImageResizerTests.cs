using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Images;
using TorchSharp;

namespace SaEI.Gpu.Tests.Images;

public sealed class ImageResizerTests
{
    [Theory]
    // Small image: 100·100 < 262144 → factor √(262144/10000) = 5.12 → 512×512.
    [InlineData(100, 100, 512, 512)]
    // Large image: 4000·3000 > 4194304 → factor √(4194304/12e6) = 0.591206 → int(2364.8) × int(1773.6).
    [InlineData(4000, 3000, 2364, 1773)]
    // Within bounds: unchanged.
    [InlineData(800, 600, 800, 600)]
    // Thin: 1000×10 → factor √(26.2144) = 5.12 → 5120×51.
    [InlineData(1000, 10, 5120, 51)]
    public void Pixel_bounds_follow_easyr1_process_image(int width, int height, int expectedWidth, int expectedHeight)
    {
        var options = new ImageOptions();
        Assert.Equal(
            (expectedWidth, expectedHeight),
            ImageResizer.PixelBoundsSize(width, height, options.MinPixels, options.MaxPixels)
        );
    }

    [Fact]
    public void Resize_keeps_a_flat_colour_and_apply_uses_the_fixed_size()
    {
        RgbImage flat = RgbImage.Filled(30, 20, new Rgb(12, 200, 99));
        RgbImage square = ImageResizer.Apply(flat, new ImageOptions { FixedSize = 64 });
        Assert.Equal((64, 64), (square.Width, square.Height));
        Assert.Equal(new Rgb(12, 200, 99), square[31, 40]);
        Assert.Same(flat, ImageResizer.Resize(flat, 30, 20));
    }

    [Fact]
    public void ToTensor_is_channels_first_in_unit_range()
    {
        TorchRuntime.Initialize(1);
        using var scope = torch.NewDisposeScope();
        // 2×1 image: pixel (0,0) = (255, 0, 51), pixel (1,0) = (0, 102, 255) → R plane [1, 0], G [0, 0.4], B [0.2, 1].
        var image = new RgbImage(2, 1, [255, 0, 51, 0, 102, 255]);
        torch.Tensor pixels = ImageTensors.ToTensor(image);
        Assert.Equal(new long[] { 3, 1, 2 }, pixels.shape);
        float[] values = pixels.data<float>().ToArray();
        float[] expected = [1f, 0f, 0f, 0.4f, 0.2f, 1f];
        for (int i = 0; i < 6; i++)
            Assert.Equal(expected[i], values[i], 6);
        Assert.Equal(image, ImageTensors.FromTensor(pixels));

        torch.Tensor batch = ImageTensors.ToTensor([image, TestImages.Noise(5, 7, 1)], size: 8);
        Assert.Equal(new long[] { 2, 3, 8, 8 }, batch.shape);
        Assert.Equal(torch.float32, batch.dtype);
        Assert.Throws<ArgumentException>(() => ImageTensors.ToTensor([image, TestImages.Noise(5, 7, 1)]));
    }

    [Fact]
    public void Png_export_round_trips_and_enlarges()
    {
        RgbImage image = TestImages.Noise(6, 4, seed: 9);
        string path = Path.Combine(Path.GetTempPath(), $"saei-png-{Guid.NewGuid():N}", "x.png");
        PngExport.Save(image, path, scale: 3);
        RgbImage back = ImageDecoder.DecodeFile(path, new Tasks.Data.DataLocation(path));
        Assert.Equal((18, 12), (back.Width, back.Height));
        Assert.Equal(image[5, 3], back[17, 11]);
        Assert.Equal(image[2, 1], back[7, 4]);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
