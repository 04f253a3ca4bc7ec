using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tests.Images;

/// <summary>Image files that are not images: devices, folders, corrupt and oversized PNGs (issue #11, items
/// 4-6).</summary>
public sealed class ImageFileTests : IDisposable
{
    private static readonly DataLocation Where = new("set.parquet", 3, "images[0]");

    private readonly string folder = Directory.CreateTempSubdirectory("saei-images-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void A_device_is_refused_before_it_is_read(string device)
    {
        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.DecodeFile(device, Where));
        Assert.Equal(Where, error.Location);
        Assert.Contains(
            $"image file '{device}' is a character device, not a regular file",
            error.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_folder_is_a_folder_not_a_missing_file()
    {
        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.DecodeFile(folder, Where));
        Assert.Contains("is a directory; give the path of a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_the_limit_names_its_size_and_the_limit()
    {
        string path = Path.Combine(folder, "big.png");
        File.WriteAllBytes(path, TestImages.NoisePng(64, 64, seed: 3));
        long size = new FileInfo(path).Length;
        var error = Assert.Throws<DataFormatException>(() =>
            ImageDecoder.DecodeFile(path, Where, new ImageLimits { MaxFileBytes = 100 })
        );
        Assert.Contains(
            $"has {size} bytes, more than the limit of 100 (ImageLimits.MaxFileBytes)",
            error.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Corrupt_and_oversized_pngs_are_located_and_quote_no_bytes()
    {
        byte[] png = TestImages.NoisePng(20, 20, seed: 4);
        for (int i = 40; i < png.Length - 20; i += 7)
            png[i] ^= 0x5A;
        string corrupt = Path.Combine(folder, "corrupt.png");
        File.WriteAllBytes(corrupt, png);
        var error = Assert.Throws<DataFormatException>(() => ImageDecoder.DecodeFile(corrupt, Where));
        Assert.Equal(Where, error.Location);
        Assert.Contains("corrupt, truncated or unsupported image", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(png.AsSpan(0, 4)), error.Message, StringComparison.OrdinalIgnoreCase);

        string bomb = Path.Combine(folder, "bomb.png");
        File.WriteAllBytes(bomb, TestImages.LyingPng(100_000, 100_000));
        var declared = Assert.Throws<DataFormatException>(() => ImageDecoder.DecodeFile(bomb, Where));
        Assert.Contains(
            "declares 100000x100000 pixels, over the limits (width ≤ 16384",
            declared.Message,
            StringComparison.Ordinal
        );
    }
}
