using SaEI.Gpu.Models;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tasks.Images;

/// <summary>
/// 8-bit images → a policy's image inputs: each image is resized (bicubic, <see cref="ImageResizer"/>) to
/// <see cref="IPolicyModel.InputSize"/> of its own size, then scaled to [0,1] channels-first [3,h,w].
/// Decisions:
/// 1. The resize happens here, on the 8-bit image, before anything differentiable (EgAS, noise), as EasyR1's
///    processor does: the attacked pixels are the model's input pixels.
/// 2. Images of different sizes stay different: <see cref="ToImageBatch"/> pads them into one <see cref="ImageBatch"/>.
/// </summary>
public static class ModelInputs
{
    /// <summary>The image at the model's input size for it (the same instance when it already is).</summary>
    public static RgbImage Resize(IPolicyModel model, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(image);
        var size = model.InputSize(new ImageSize(image.Height, image.Width));
        return ImageResizer.Resize(image, size.Width, size.Height);
    }

    /// <summary>Each image resized for the model → [3,h_i,w_i] float32 in [0,1] on <paramref name="device"/> (default:
    /// the model's).</summary>
    public static Tensor[] ToTensors(IPolicyModel model, IReadOnlyList<RgbImage> images, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        return [.. images.Select(image => ImageTensors.ToTensor(Resize(model, image), device: device ?? model.Device))];
    }

    /// <summary>Each image resized for the model, padded into one batch [B,3,Hmax,Wmax] plus sizes.</summary>
    public static ImageBatch ToImageBatch(IPolicyModel model, IReadOnlyList<RgbImage> images, Device? device = null)
    {
        var target = device ?? model.Device;
        using var scope = NewDisposeScope();
        var batch = ImageBatch.Pack(ToTensors(model, images, target), target);
        batch.Pixels.MoveToOuterDisposeScope();
        return batch;
    }
}
