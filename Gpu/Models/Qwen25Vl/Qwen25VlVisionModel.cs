using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The Qwen2.5-VL vision tower (QWEN25VL.md §1.2). STUB: the agreed signature only; the vision work replaces this file.
/// Registered by the model as field <c>visual</c>, so its parameters are named <c>visual.*</c>.
/// </summary>
public sealed class Qwen25VlVisionModel : nn.Module
{
    public Qwen25VlVisionModel(Qwen25VlVisionConfig config) : base(nameof(Qwen25VlVisionModel))
    {
        Config = config;
        RegisterComponents();
    }

    public Qwen25VlVisionConfig Config { get; }

    /// <summary>pixel_values [ΣS_i, 3·T·p·p], grid_thw one (t,h,w) per image in patch units → [ΣS_i/merge², out_hidden].</summary>
    public Tensor Forward(Tensor pixelValues, IReadOnlyList<long[]> gridThw) =>
        throw new NotImplementedException("Qwen25VlVisionModel is a stub until the vision tower lands.");
}
