using SaEI.Gpu.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// A policy whose sampler can never emit the vision placeholder tokens (&lt;|image_pad|&gt;, &lt;|vision_start|&gt;,
/// &lt;|vision_end|&gt;, &lt;|video_pad|&gt;): decoding logits at those ids are set to −∞; everything else passes through.
/// Why (benchmark only): a random Qwen2.5-VL samples every id about equally, and a response holding &lt;|image_pad|&gt;
/// makes the next teacher-forced forward count more placeholders than the image has features ("Image features and
/// image tokens do not match"). A trained model does not emit them; the product does not guard against it (reported
/// with issue 12). Teacher forcing (<see cref="Forward"/>) is untouched, so the timed work is the product's.
/// </summary>
public sealed class PlaceholderMaskedPolicy(IPolicyModel inner, IReadOnlyList<long> maskedIds) : IPolicyModel
{
    public PolicyModelInfo Info => inner.Info;

    public IChatTokenizer Tokenizer => inner.Tokenizer;

    public Device Device => inner.Device;

    public IReadOnlyList<ModelStage> Stages => inner.Stages;

    public void PlaceStages(IReadOnlyList<Device> devices) => inner.PlaceStages(devices);

    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => inner.NamedParameters();

    public ImageSize InputSize(ImageSize original) => inner.InputSize(original);

    public int ImageTokenCount(ImageSize inputSize) => inner.ImageTokenCount(inputSize);

    public Tensor Forward(ImageBatch images, Tensor inputIds, Tensor attentionMask) => inner.Forward(images, inputIds, attentionMask);

    public void SetTraining(bool training) => inner.SetTraining(training);

    public IDecodingSession StartDecoding(ImageBatch images, Tensor inputIds, Tensor attentionMask, int maxNewTokens) =>
        new MaskedSession(inner.StartDecoding(images, inputIds, attentionMask, maxNewTokens), maskedIds);

    public void Save(string directory) => inner.Save(directory);

    public void Dispose() => inner.Dispose();

    private sealed class MaskedSession(IDecodingSession session, IReadOnlyList<long> maskedIds) : IDecodingSession
    {
        public Tensor Prefill() => Mask(session.Prefill());

        public Tensor Append(Tensor tokenIds) => Mask(session.Append(tokenIds));

        public void Dispose() => session.Dispose();

        private Tensor Mask(Tensor logits)                                                        // [N,V]
        {
            using var ids = tensor(maskedIds.ToArray(), int64, logits.device);
            return logits.index_fill_(1, ids, double.NegativeInfinity);
        }
    }
}
