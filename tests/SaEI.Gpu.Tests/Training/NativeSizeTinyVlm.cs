using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Tiny;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// A real TinyVlm whose processor keeps every image at its own size (<see cref="InputSize"/> = the original), the way
/// Qwen2.5-VL's smart resize gives each image its own grid. The trainer, EgAS and noise then see mixed-size batches;
/// TinyVlm resizes each row to its square inside the forward. Everything else is the wrapped model's.
/// </summary>
internal sealed class NativeSizeTinyVlm(TinyVlm model) : IPolicyModel
{
    public TinyVlm Model { get; } = model;

    public PolicyModelInfo Info => Model.Info;

    public IChatTokenizer Tokenizer => Model.Tokenizer;

    public Device Device => Model.Device;

    public IReadOnlyList<ModelStage> Stages => Model.Stages;

    public ImageSize InputSize(ImageSize original) => original;

    public int ImageTokenCount(ImageSize inputSize) => Model.ImageTokenCount(inputSize);

    public void PlaceStages(IReadOnlyList<Device> devices) => Model.PlaceStages(devices);

    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => Model.NamedParameters();

    public Tensor Forward(ImageBatch images, Tensor inputIds, Tensor attentionMask) =>
        Model.Forward(images, inputIds, attentionMask);

    public void SetTraining(bool training) => Model.SetTraining(training);

    public bool ActivationCheckpointing
    {
        get => Model.ActivationCheckpointing;
        set => Model.ActivationCheckpointing = value;
    }

    public IDecodingSession StartDecoding(ImageBatch images, Tensor inputIds, Tensor attentionMask, int maxNewTokens) =>
        Model.StartDecoding(images, inputIds, attentionMask, maxNewTokens);

    public void Save(string directory) => Model.Save(directory);

    public void Dispose() => Model.Dispose();
}
