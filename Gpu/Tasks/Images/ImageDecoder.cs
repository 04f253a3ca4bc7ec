using System.Collections.Concurrent;
using SaEI.Gpu.Tasks.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace SaEI.Gpu.Tasks.Images;

/// <summary>
/// Encoded image bytes (PNG, JPEG, GIF, BMP, TGA, WebP, TIFF, PBM: whatever ImageSharp 2.x reads) → <see
/// cref="RgbImage"/>. Decisions:
/// 1. Limits come first: file size; then the declared size (PNG: our own IHDR parse; others: ImageSharp's
///    <c>Identify</c>, which reads headers only); only then does the decoder run, under a memory allocator capped
///    at what <see cref="ImageLimits"/> allows, so even a lying header cannot make it allocate more.
/// 2. Colour: converted to 8-bit RGB; alpha is dropped, not composited (what Pillow's <c>convert("RGB")</c> in
///    EasyR1 does).
/// 3. Frames: only the first frame is used; more than <see cref="ImageLimits.MaxFrames"/> is an error.
/// 4. Every failure is a <see cref="DataFormatException"/> naming the file, row and field of the image; it never quotes
///    the image's bytes.
/// </summary>
public static class ImageDecoder
{
    private static readonly ConcurrentDictionary<ImageLimits, Configuration> Configurations = new();

    /// <summary>Decodes <paramref name="bytes"/> (the image at <paramref name="location"/>) to RGB.</summary>
    public static RgbImage Decode(byte[] bytes, DataLocation location, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        ArgumentNullException.ThrowIfNull(bytes);
        CheckDeclaredSize(bytes, location, limits);
        try
        {
            using Image<Rgb24> image = Image.Load<Rgb24>(ConfigurationFor(limits), bytes);
            if (image.Frames.Count > limits.MaxFrames)
                throw new DataFormatException(
                    location,
                    $"image has {image.Frames.Count} frames, more than the limit of {limits.MaxFrames} "
                        + $"(ImageLimits.MaxFrames)."
                );
            var rgb = new byte[checked(image.Width * image.Height * 3)];
            image.CopyPixelDataTo(rgb);
            return new RgbImage(image.Width, image.Height, rgb);
        }
        catch (Exception error) when (IsDecodeFailure(error))
        {
            throw new DataFormatException(
                location,
                $"corrupt, truncated or unsupported image ({bytes.Length} bytes, {Describe(error)}); replace the "
                    + $"image.",
                error
            );
        }
    }

    /// <summary>
    /// Reads and decodes an image file: only a regular file (not a device, FIFO or directory), its size checked before
    /// reading and the read itself bounded (<see cref="RegularFile"/>).
    /// </summary>
    public static RgbImage DecodeFile(string path, DataLocation location, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        limits.Validate();
        byte[] bytes = RegularFile.ReadAllBytes(
            path,
            location,
            limits.MaxFileBytes,
            "image file",
            "ImageLimits.MaxFileBytes",
            "check the path (relative paths resolve against the data file's folder)"
        );
        return Decode(bytes, location, limits);
    }

    /// <summary>Rejects an image whose file size or declared dimensions exceed the limits, without decoding
    /// it.</summary>
    public static void CheckDeclaredSize(byte[] bytes, DataLocation location, ImageLimits limits)
    {
        limits.Validate();
        if (bytes.Length == 0)
            throw new DataFormatException(location, "image is empty (0 bytes).");
        if (bytes.Length > limits.MaxFileBytes)
            throw new DataFormatException(
                location,
                $"image has {bytes.Length} bytes, more than the limit of {limits.MaxFileBytes} "
                    + $"(ImageLimits.MaxFileBytes)."
            );
        long width,
            height;
        if (PngHeader.IsPng(bytes))
        {
            if (!PngHeader.TryReadSize(bytes, out width, out height))
                throw new DataFormatException(location, "PNG header is truncated or its first chunk is not IHDR.");
        }
        else
        {
            IImageInfo? info;
            try
            {
                info = Image.Identify(ConfigurationFor(limits), bytes, out _);
            }
            catch (Exception error) when (IsDecodeFailure(error))
            {
                throw new DataFormatException(
                    location,
                    $"unreadable image header ({bytes.Length} bytes, {Describe(error)}); replace the image.",
                    error
                );
            }
            if (info is null)
                throw new DataFormatException(
                    location,
                    $"unknown image format ({bytes.Length} bytes); use PNG, JPEG, GIF, BMP, TGA, WebP, TIFF or PBM."
                );
            (width, height) = (info.Width, info.Height);
        }
        if (width < 1 || height < 1)
            throw new DataFormatException(location, $"image declares an empty size {width}x{height}.");
        if (width > limits.MaxWidth || height > limits.MaxHeight || width * height > limits.MaxPixels)
            throw new DataFormatException(
                location,
                $"image declares {width}x{height} pixels, over the limits (width ≤ {limits.MaxWidth}, height ≤ "
                    + $"{limits.MaxHeight}, pixels ≤ {limits.MaxPixels}); raise ImageLimits if the image is genuine."
            );
    }

    /// <summary>The kind of decoder failure. Decoders' own messages can quote header bytes, so they stay in the inner
    /// exception (logs) and out of the message a spec author sees (issue #11, item 6).</summary>
    private static string Describe(Exception error) =>
        error switch
        {
            InvalidMemoryOperationException => "its decoding would allocate more than the limits allow",
            EndOfStreamException => "the data ends early",
            _ => error.GetType().Name,
        };

    private static bool IsDecodeFailure(Exception error) =>
        error
            is ImageFormatException
                or UnknownImageFormatException
                or InvalidImageContentException
                or InvalidMemoryOperationException
                or NotSupportedException
                or EndOfStreamException
                or IOException
                or ArgumentException
                or IndexOutOfRangeException
                or InvalidOperationException
                or OverflowException;

    private static Configuration ConfigurationFor(ImageLimits limits) =>
        Configurations.GetOrAdd(
            limits,
            static l =>
            {
                // Cap on any single allocation: the largest frame as RGBA32 (4 bytes/pixel), times the frames, plus
                // slack.
                long capBytes = (l.MaxPixels * 4 * l.MaxFrames) + (16L << 20);
                int capMegabytes = (int)Math.Clamp(capBytes >> 20, 16, int.MaxValue);
                Configuration configuration = Configuration.Default.Clone();
                configuration.MemoryAllocator = MemoryAllocator.Create(
                    new MemoryAllocatorOptions { AllocationLimitMegabytes = capMegabytes }
                );
                return configuration;
            }
        );
}
