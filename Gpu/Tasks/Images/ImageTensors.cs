using SaEI.Gpu.Models;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tasks.Images;

/// <summary>
/// <see cref="RgbImage"/> → float32 tensors in [0,1] (value / 255), channels first, the input of
/// <c>IPolicyModel.Forward</c>. Shapes: one image [3,H,W]; a batch [B,3,H,W] (every image resized to one size). A
/// policy's inputs (each image at the model's own input size, mixed sizes padded) come from <see cref="ModelInputs"/>.
/// </summary>
public static class ImageTensors
{
    /// <summary>One image as [3,H,W]; resized (bicubic) to <paramref name="size"/>² when given and different.</summary>
    public static Tensor ToTensor(RgbImage image, int? size = null, Device? device = null)
    {
        if (size is { } s)
            image = ImageResizer.ToSquare(image, s);
        return tensor(ToChannelsFirst(image), [3, image.Height, image.Width], float32, device);
    }

    /// <summary>A batch as [B,3,H,W]. With <paramref name="size"/> every image is resized to size²; without it all
    /// images must already share one size.</summary>
    public static Tensor ToTensor(IReadOnlyList<RgbImage> images, int? size = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("Cannot batch zero images.", nameof(images));
        var resized = size is { } s
            ? images.Select(image => ImageResizer.ToSquare(image, s)).ToArray()
            : images.ToArray();
        int width = resized[0].Width,
            height = resized[0].Height;
        int plane = 3 * width * height;
        var data = new float[resized.Length * plane];
        for (int b = 0; b < resized.Length; b++)
        {
            if (resized[b].Width != width || resized[b].Height != height)
                throw new ArgumentException(
                    $"Image {b} is {resized[b].Width}x{resized[b].Height}, image 0 is {width}x{height}: pass a size "
                        + $"to batch images of different sizes.",
                    nameof(images)
                );
            ToChannelsFirst(resized[b]).CopyTo(data, b * plane);
        }
        return tensor(data, [resized.Length, 3, height, width], float32, device); // [B,3,H,W]
    }

    /// <summary>[3,H,W] or [1,3,H,W] tensor in [0,1] → image (values clamped and rounded). For plots of perturbed
    /// images.</summary>
    public static RgbImage FromTensor(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        Tensor chw = pixels.dim() == 4 ? pixels[0] : pixels;
        if (chw.dim() != 3 || chw.shape[0] != 3)
            throw new ArgumentException(
                $"Expected [3,H,W] or [1,3,H,W], got [{string.Join(",", pixels.shape)}].",
                nameof(pixels)
            );
        int height = (int)chw.shape[1],
            width = (int)chw.shape[2];
        // [3,H,W] → [H,W,3] bytes
        using var byteMax = 255.0.ToScalar(); // kept alive across the native call (Runtime/Scalars.cs)
        byte[] rgb = chw.detach()
            .cpu()
            .to(float32)
            .clamp(Scalars.Zero, Scalars.OneDouble)
            .mul(byteMax)
            .round()
            .permute(1, 2, 0)
            .contiguous()
            .to(uint8)
            .data<byte>()
            .ToArray();
        return new RgbImage(width, height, rgb);
    }

    /// <summary>Row <paramref name="row"/> of a batch, cropped to its own size, as an 8-bit image (plots,
    /// inspection).</summary>
    public static RgbImage FromImageBatch(ImageBatch images, int row)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        return FromTensor(images.Image(row));
    }

    private static float[] ToChannelsFirst(RgbImage image)
    {
        int pixelsCount = image.Width * image.Height;
        var data = new float[3 * pixelsCount];
        byte[] rgb = image.Rgb;
        for (int p = 0; p < pixelsCount; p++)
        {
            data[p] = rgb[3 * p] / 255f;
            data[pixelsCount + p] = rgb[(3 * p) + 1] / 255f;
            data[(2 * pixelsCount) + p] = rgb[(3 * p) + 2] / 255f;
        }
        return data;
    }
}
