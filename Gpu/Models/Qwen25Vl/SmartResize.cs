using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2-VL's <c>smart_resize</c> (transformers <c>image_processing_qwen2_vl.py</c>, docs/qwen25vl.md §1.3): the size
/// an image is resized to before patching, both sides multiples of <c>factor</c> = patch·merge (28) and the area within
/// [min_pixels, max_pixels]:
/// <code>
/// h̄ = round(h/f)·f, w̄ = round(w/f)·f                                  (Python round: half to even)
/// if h̄·w̄ &gt; max: β = √(h·w/max); h̄ = max(f, ⌊h/β/f⌋·f); w̄ = max(f, ⌊w/β/f⌋·f)
/// elif h̄·w̄ &lt; min: β = √(min/(h·w)); h̄ = ⌈h·β/f⌉·f; w̄ = ⌈w·β/f⌉·f
/// </code>
/// Decisions:
/// 1. The refusals of the reference version (tests/data/qwen25vl/smart_resize_cases.json): a side shorter than the
///    factor, and an aspect ratio above 200. Newer transformers drops the first; we keep it because the reference
///    cases include it and such an image would be upscaled from a handful of pixels.
/// 2. The <c>max(f, …)</c> clamps of newer transformers are kept: without them a thin image under a small max_pixels
///    comes out 0 pixels wide.
/// 3. Arithmetic in double in Python's order of operations, so every rounding matches; <see cref="Math.Round(double)"/>
///    rounds half to even like Python's <c>round</c>.
/// 4. The 8-bit resize itself is <see cref="ImageResizer.Resize"/> (ImageSharp bicubic). Hugging Face resizes with
///    PIL's bicubic; the pixels differ slightly (docs/qwen25vl.md §1.3 step 2), the size does not.
/// </summary>
public static class SmartResize
{
    /// <summary>Largest accepted max(h,w)/min(h,w) (qwen_vl_utils' MAX_RATIO).</summary>
    public const double MaxAspectRatio = 200;

    /// <summary>preprocessor_config.json's min_pixels of the published checkpoints: 4·28·28.</summary>
    public const long DefaultMinPixels = 3136;

    /// <summary>preprocessor_config.json's max_pixels of the published checkpoints: 16384·28·28.</summary>
    public const long DefaultMaxPixels = 12845056;

    /// <summary>The resized size of a <paramref name="height"/>×<paramref name="width"/> image; throws <see
    /// cref="ArgumentException"/> on the refused inputs.</summary>
    public static ImageSize Compute(
        int height,
        int width,
        int factor,
        long minPixels = DefaultMinPixels,
        long maxPixels = DefaultMaxPixels
    )
    {
        if (factor < 1)
            throw new ArgumentOutOfRangeException(
                nameof(factor),
                factor,
                "smart_resize factor (patch_size·merge_size) must be positive."
            );
        if (minPixels < 1 || maxPixels < minPixels)
            throw new ArgumentException(
                $"smart_resize needs 0 < min_pixels ≤ max_pixels; got min_pixels {minPixels}, max_pixels "
                    + $"{maxPixels}. Fix preprocessor_config.json."
            );
        if (height < factor || width < factor)
            throw new ArgumentException(
                $"Image {height}x{width}: height:{height} or width:{width} must be larger than factor:{factor}. Pad "
                    + $"or upscale the image to at least {factor}x{factor} before smart_resize."
            );
        double ratio = (double)Math.Max(height, width) / Math.Min(height, width);
        if (ratio > MaxAspectRatio)
            throw new ArgumentException(
                $"Image {height}x{width}: absolute aspect ratio must be smaller than {MaxAspectRatio}, got {ratio}. "
                    + $"Crop or pad the image to a ratio of at most {MaxAspectRatio}."
            );

        long h = (long)Math.Round((double)height / factor) * factor;
        long w = (long)Math.Round((double)width / factor) * factor;
        if (h * w > maxPixels)
        {
            double beta = Math.Sqrt((double)height * width / maxPixels);
            h = Math.Max(factor, (long)Math.Floor(height / beta / factor) * factor);
            w = Math.Max(factor, (long)Math.Floor(width / beta / factor) * factor);
        }
        else if (h * w < minPixels)
        {
            double beta = Math.Sqrt(minPixels / ((double)height * width));
            h = (long)Math.Ceiling(height * beta / factor) * factor;
            w = (long)Math.Ceiling(width * beta / factor) * factor;
        }
        return new ImageSize(checked((int)h), checked((int)w));
    }

    /// <summary>The 8-bit image resized (bicubic) to <see cref="Compute"/>'s size; the same instance when it already
    /// has it.</summary>
    public static RgbImage Resize(
        RgbImage image,
        int factor,
        long minPixels = DefaultMinPixels,
        long maxPixels = DefaultMaxPixels
    )
    {
        ArgumentNullException.ThrowIfNull(image);
        var size = Compute(image.Height, image.Width, factor, minPixels, maxPixels);
        return ImageResizer.Resize(image, width: size.Width, height: size.Height);
    }
}
