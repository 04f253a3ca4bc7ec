using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2VLImageProcessor as differentiable tensor code (QWEN25VL.md §1.3). STUB: the agreed signature only; the vision
/// work replaces this file.
/// </summary>
public sealed class Qwen25VlImageProcessor(Qwen25VlVisionConfig config)
{
    public Qwen25VlVisionConfig Config { get; } = config;

    /// <summary>Each row's image (cropped to its size, sides multiples of patch·merge) → pixel_values [ΣS_i, 3·T·p·p] and grid (t,h,w) per image.</summary>
    public (Tensor PixelValues, IReadOnlyList<long[]> GridThw) Preprocess(ImageBatch images) =>
        throw new NotImplementedException("Qwen25VlImageProcessor is a stub until the vision work lands.");
}
