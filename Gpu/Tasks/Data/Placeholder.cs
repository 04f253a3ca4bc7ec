using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>The image given to text-only benchmark questions (a VLM prompt always carries one image here).</summary>
public static class Placeholder
{
    /// <summary>White 28×28 (one Qwen2.5-VL patch-merge unit).</summary>
    public static RgbImage White { get; } = RgbImage.Filled(28, 28, new Rgb(255, 255, 255));
}
