namespace SaEI.Gpu.Tasks.Images;

/// <summary>
/// Bounds checked on an encoded image BEFORE decoding allocates pixel memory (file size, declared width, height
/// and pixel count from the header), plus the frame count after decoding, under an allocation cap derived from
/// these limits. Defaults are generous for benchmark images and stop decompression bombs.
/// </summary>
public sealed record ImageLimits
{
    /// <summary>Largest encoded image in bytes. Default 64 MiB.</summary>
    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Largest declared width in pixels. Default 16384.</summary>
    public int MaxWidth { get; init; } = 16_384;

    /// <summary>Largest declared height in pixels. Default 16384.</summary>
    public int MaxHeight { get; init; } = 16_384;

    /// <summary>Largest declared width·height. Default 40,000,000 (≈ half of Pillow's decompression-bomb warning
    /// threshold of 89,478,485; the largest MathVista/MathVerse images are far smaller).</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    /// <summary>Most frames (GIF/TIFF/WebP animations); only the first frame is used. Default 8.</summary>
    public int MaxFrames { get; init; } = 8;

    /// <summary>The defaults.</summary>
    public static ImageLimits Default { get; } = new();

    /// <summary>Throws when a limit is not positive.</summary>
    public void Validate()
    {
        if (MaxFileBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, "Set max file bytes ≥ 1.");
        if (MaxWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxWidth), MaxWidth, "Set max width ≥ 1.");
        if (MaxHeight < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxHeight), MaxHeight, "Set max height ≥ 1.");
        if (MaxPixels < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "Set max pixels ≥ 1.");
        if (MaxFrames < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxFrames), MaxFrames, "Set max frames ≥ 1.");
    }
}
