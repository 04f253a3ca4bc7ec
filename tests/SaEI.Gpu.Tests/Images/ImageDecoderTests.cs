using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SaEI.Gpu.Tests.Images;

public sealed class ImageDecoderTests
{
    private static readonly DataLocation Where = new("bench.parquet", 7, "image");

    [Fact]
    public void Png_round_trip_gives_the_same_pixels()
    {
        RgbImage image = TestImages.Noise(17, 9, seed: 1);
        Assert.Equal(image, ImageDecoder.Decode(PngExport.Encode(image), Where));
    }

    [Fact]
    public void Rgba_png_drops_alpha_and_jpeg_decodes_to_rgb()
    {
        using var rgba = new Image<Rgba32>(4, 3, new Rgba32(10, 20, 30, 0));
        using var stream = new MemoryStream();
        rgba.SaveAsPng(stream);
        RgbImage decoded = ImageDecoder.Decode(stream.ToArray(), Where);
        Assert.Equal(new Rgb(10, 20, 30), decoded[3, 2]); // alpha dropped, not composited (Pillow convert("RGB"))

        using var jpeg = new Image<Rgb24>(16, 8, new Rgb24(200, 100, 50));
        using var jpegStream = new MemoryStream();
        jpeg.SaveAsJpeg(jpegStream);
        RgbImage fromJpeg = ImageDecoder.Decode(jpegStream.ToArray(), Where);
        Assert.Equal((16, 8), (fromJpeg.Width, fromJpeg.Height));
        Assert.InRange(fromJpeg[5, 5].R, 190, 210); // lossy, but close
    }

    [Fact]
    public void A_png_declaring_100000_squared_pixels_is_rejected_before_any_large_allocation()
    {
        byte[] bomb = TestImages.LyingPng(100_000, 100_000);
        Assert.True(bomb.Length < 300, $"the crafted PNG has {bomb.Length} bytes");
        Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(bomb, Where)); // warm up (JIT, static caches)

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(bomb, Where));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("100000x100000", error.Message);
        Assert.Contains("bench.parquet", error.Message);
        Assert.Contains("row 7", error.Message);
        Assert.Contains("'image'", error.Message);
        // decoding would need 30 GB
        Assert.True(allocated < 64 * 1024, $"rejecting the bomb allocated {allocated} bytes");
    }

    [Fact]
    public void A_lying_png_within_declared_limits_fails_cleanly_on_its_missing_data()
    {
        // 2000×2000 passes the header check; the 4 KB of zeros it carries cannot fill it.
        var error = Record.Exception(() => ImageDecoder.Decode(TestImages.LyingPng(2000, 2000), Where));
        Assert.True(error is null or DataFormatException, $"got {error?.GetType().Name}: {error?.Message}");
    }

    [Fact]
    public void Per_limit_checks_name_the_limit()
    {
        byte[] png = TestImages.NoisePng(40, 30, seed: 2);
        Assert.Contains(
            "MaxFileBytes",
            Assert
                .Throws<DataFormatException>(() =>
                    ImageDecoder.Decode(png, Where, new ImageLimits { MaxFileBytes = 100 })
                )
                .Message
        );
        Assert.Contains(
            "40x30",
            Assert
                .Throws<DataFormatException>(() => ImageDecoder.Decode(png, Where, new ImageLimits { MaxWidth = 39 }))
                .Message
        );
        Assert.Contains(
            "40x30",
            Assert
                .Throws<DataFormatException>(() =>
                    ImageDecoder.Decode(png, Where, new ImageLimits { MaxPixels = 1199 })
                )
                .Message
        );
        Assert.Equal(40, ImageDecoder.Decode(png, Where, new ImageLimits { MaxPixels = 1200 }).Width);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.05)]
    public void Truncated_png_is_an_error_naming_the_location(double keep)
    {
        byte[] png = TestImages.NoisePng(64, 64, seed: 3);
        byte[] truncated = png[..(int)(png.Length * keep)];
        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(truncated, Where));
        Assert.Equal(Where, error.Location);
    }

    [Fact]
    public void Garbage_and_empty_bytes_are_errors_not_crashes()
    {
        Assert.Contains(
            "unknown image format",
            Assert
                .Throws<DataFormatException>(() => ImageDecoder.Decode("not an image at all"u8.ToArray(), Where))
                .Message
        );
        Assert.Contains("empty", Assert.Throws<DataFormatException>(() => ImageDecoder.Decode([], Where)).Message);
        byte[] png = TestImages.NoisePng(20, 20, seed: 4);
        for (int i = 40; i < png.Length - 20; i += 7)
            png[i] ^= 0x5A; // corrupt the compressed data (CRCs now wrong)
        Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(png, Where));
    }

    [Fact]
    public void Missing_file_is_an_error_naming_the_path()
    {
        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.DecodeFile("/nonexistent/x.png", Where));
        Assert.Contains("/nonexistent/x.png", error.Message);
    }
}
