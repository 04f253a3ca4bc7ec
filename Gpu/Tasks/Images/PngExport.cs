using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SaEI.Gpu.Tasks.Images;

/// <summary>Writes images as PNG (examples in plots and reports). Lossless: decoding gives the same pixels
/// back.</summary>
public static class PngExport
{
    /// <summary>PNG bytes of <paramref name="image"/>.</summary>
    public static byte[] Encode(RgbImage image)
    {
        using Image<Rgb24> png = Image.LoadPixelData<Rgb24>(image.Rgb, image.Width, image.Height);
        using var stream = new MemoryStream();
        png.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> (folders are created), optionally
    /// enlarged by an integer nearest-neighbour <paramref name="scale"/> so that 64×64 images are viewable.</summary>
    public static void Save(RgbImage image, string path, int scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        if (scale > 1)
            image = Enlarge(image, scale);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        File.WriteAllBytes(path, Encode(image));
    }

    private static RgbImage Enlarge(RgbImage image, int scale)
    {
        int width = image.Width * scale,
            height = image.Height * scale;
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            Array.Copy(image.Rgb, (((y / scale) * image.Width) + (x / scale)) * 3, rgb, ((y * width) + x) * 3, 3);
        return new RgbImage(width, height, rgb);
    }
}
