using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace SaEI.Gpu.Tasks.Images;

/// <summary>
/// Resizing policies. <see cref="ToPixelBounds"/> is EasyR1's <c>process_image</c>: if w·h &gt; max_pixels scale by
/// √(max/(w·h)), then if w·h &lt; min_pixels scale by √(min/(w·h)); new sides are truncated to integers
/// (Python <c>int()</c>); bicubic resampling (Pillow's <c>Image.resize</c> default). <see cref="ToSquare"/> is the
/// fixed square input of the tiny CPU model. Resampling is ImageSharp's bicubic, not Pillow's: pixels differ slightly.
/// </summary>
public static class ImageResizer
{
    /// <summary>EasyR1 min/max pixel bounds (see <see cref="ImageOptions"/>).</summary>
    public static RgbImage ToPixelBounds(RgbImage image, long minPixels, long maxPixels)
    {
        (int width, int height) = PixelBoundsSize(image.Width, image.Height, minPixels, maxPixels);
        return Resize(image, width, height);
    }

    /// <summary>The target size of <see cref="ToPixelBounds"/> (exposed for tests and token budgeting).</summary>
    public static (int Width, int Height) PixelBoundsSize(int width, int height, long minPixels, long maxPixels)
    {
        double w = width,
            h = height;
        if (maxPixels > 0 && w * h > maxPixels)
        {
            double factor = Math.Sqrt(maxPixels / (w * h));
            (w, h) = (Math.Floor(w * factor), Math.Floor(h * factor));
        }
        if (minPixels > 0 && w * h < minPixels)
        {
            double factor = Math.Sqrt(minPixels / (w * h));
            (w, h) = (Math.Floor(w * factor), Math.Floor(h * factor));
        }
        return ((int)Math.Max(1, w), (int)Math.Max(1, h));
    }

    /// <summary>Stretches to <paramref name="size"/>×<paramref name="size"/> (no padding: the synthetic images are
    /// square).</summary>
    public static RgbImage ToSquare(RgbImage image, int size) => Resize(image, size, size);

    /// <summary>Applies the policy of <paramref name="options"/>.</summary>
    public static RgbImage Apply(RgbImage image, ImageOptions options) =>
        options.FixedSize is { } size
            ? ToSquare(image, size)
            : ToPixelBounds(image, options.MinPixels, options.MaxPixels);

    /// <summary>Bicubic resize; returns the same instance when the size already matches.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (image.Width == width && image.Height == height)
            return image;
        using Image<Rgb24> source = Image.LoadPixelData<Rgb24>(image.Rgb, image.Width, image.Height);
        source.Mutate(context => context.Resize(width, height, KnownResamplers.Bicubic));
        var rgb = new byte[width * height * 3];
        source.CopyPixelDataTo(rgb);
        return new RgbImage(width, height, rgb);
    }
}
