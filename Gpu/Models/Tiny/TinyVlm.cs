using System.Text.Json;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// A small vision-language policy shaped like Qwen2.5-VL (docs/qwen25vl.md): vision tower ("visual.*"), Qwen2 text
/// decoder ("model.*") and an untied "lm_head". The projected image features replace the
/// <c>&lt;|image_pad|&gt;</c> tokens of the prompt, in order.
/// Decisions:
/// 1. Weights are initialised N(0, initializer_range) from an explicit seed (biases 0, norms 1), as HF does.
/// 2. The first P placeholders of a row receive the P image features; further placeholders (a generated
///    <c>&lt;|image_pad|&gt;</c>) keep their token embedding, identically in the full and the cached path.
/// 3. Mixed-size batches: the model's input is its fixed ImageSize² square (<see cref="InputSize"/>); a row whose image
///    has another size is cropped to it and resized there differentiably (bilinear, align_corners false, like
///    F.interpolate), so EgAS gradients still reach its pixels and the padding is never read. A batch whose rows
///    are all ImageSize² takes the plain path unchanged (same numbers).
/// 4. Stages for sharding: "input" (vision tower + embed_tokens, which the image merge joins), "model.layers.i",
///    "output" (final norm + lm_head). Once placed, hidden states move to each stage's device and logits come back
///    to the input stage's device; an unplaced model moves nothing.
/// </summary>
public sealed class TinyVlm : nn.Module, IPolicyModel
{
    public const string FamilyName = "tiny-vlm";

    private readonly VisionEncoder visual;

    [ComponentName(Name = "model")]
    private readonly TextDecoder textModel;

    [ComponentName(Name = "lm_head")]
    private readonly Linear lmHead;
    private readonly CharChatTokenizer tokenizer;

    private TinyVlm(TinyVlmConfig config)
        : base(nameof(TinyVlm))
    {
        config.Validate();
        Config = config;
        tokenizer = new CharChatTokenizer();
        visual = new VisionEncoder(config);
        textModel = new TextDecoder(config, tokenizer.VocabularySize);
        lmHead = nn.Linear(config.HiddenSize, tokenizer.VocabularySize, hasBias: false);
        RegisterComponents();
    }

    public TinyVlmConfig Config { get; }

    public PolicyModelInfo Info =>
        new(
            FamilyName,
            tokenizer.VocabularySize,
            tokenizer.EndOfSequenceId,
            tokenizer.PadId,
            parameters().Sum(p => p.numel())
        );

    /// <summary>Always the fixed ImageSize×ImageSize square (the tiny model has no resize policy of its own).</summary>
    public ImageSize InputSize(ImageSize original) => new(Config.ImageSize, Config.ImageSize);

    /// <summary>(ImageSize/PatchSize)² for every size: other sizes are resized to the square inside the
    /// forward.</summary>
    public int ImageTokenCount(ImageSize inputSize)
    {
        if (inputSize.Height < 1 || inputSize.Width < 1)
            throw new ArgumentOutOfRangeException(
                nameof(inputSize),
                inputSize,
                "An image size needs positive height and width."
            );
        return Config.ImageTokenCount;
    }

    public IChatTokenizer Tokenizer => tokenizer;

    public Device Device => textModel.EmbeddingDevice;

    public IReadOnlyList<ModelStage> Stages =>
        [
            new(
                "input",
                Bytes(visual.parameters().Concat(textModel.EmbeddingParameters)),
                textModel.EmbeddingDevice.ToString()
            ),
            .. Enumerable
                .Range(0, textModel.LayerCount)
                .Select(i => new ModelStage(
                    $"model.layers.{i}",
                    Bytes(textModel.LayerParameters(i)),
                    textModel.LayerDevice(i).ToString()
                )),
            new(
                "output",
                Bytes(textModel.NormParameters.Concat(lmHead.parameters())),
                lmHead.weight!.device.ToString()
            ),
        ];

    public void PlaceStages(IReadOnlyList<Device> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        int stages = textModel.LayerCount + 2;
        if (devices.Count != stages)
            throw new ArgumentException(
                $"PlaceStages needs one device per stage ({stages}: input, {textModel.LayerCount} layers, output); "
                    + $"got {devices.Count}.",
                nameof(devices)
            );
        visual.to(devices[0]);
        textModel.Place(devices[0], devices.Skip(1).Take(textModel.LayerCount).ToArray(), devices[^1]);
        lmHead.to(devices[^1]);
    }

    private static long Bytes(IEnumerable<Parameter> parameters) => parameters.Sum(p => p.numel() * p.ElementSize);

    internal ScalarType ParameterDtype => lmHead.weight!.dtype;

    internal int LayerCount => textModel.LayerCount;

    /// <summary>Recompute every decoder layer in backward instead of keeping its activations
    /// (<see cref="ActivationCheckpoint"/>); the vision encoder is not checkpointed. Default off.</summary>
    public bool ActivationCheckpointing
    {
        get => textModel.ActivationCheckpointing;
        set => textModel.ActivationCheckpointing = value;
    }

    /// <summary>A freshly initialised model; the same config and seed give the same weights.</summary>
    public static TinyVlm Create(TinyVlmConfig config, long seed, Device device)
    {
        var model = new TinyVlm(config);
        using (no_grad())
        using (var generator = new Generator((ulong)seed, CPU))
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (parameter.dim() == 2)
                    parameter.normal_(0, config.InitializerRange, generator);
                else if (name.EndsWith(".bias", StringComparison.Ordinal))
                    parameter.zero_();
                else
                    parameter.fill_(Scalars.OneDouble);
            }
        }
        model.to(device);
        return model;
    }

    /// <summary>Opens a directory written by <see cref="Save"/>; errors name the file and the tensor.</summary>
    public static TinyVlm Load(string directory, Device device)
    {
        string configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"No config.json in model directory '{directory}'.", configPath);
        var config = TinyVlmConfig.Load(configPath);
        var model = new TinyVlm(config);
        model.to(device);
        SafetensorsWeights.Load(model, Path.Combine(directory, SafetensorsWeights.FileName));
        return model;
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        SafetensorsWeights.Save(this, Path.Combine(directory, SafetensorsWeights.FileName));
        File.WriteAllText(
            Path.Combine(directory, "config.json"),
            JsonSerializer.Serialize(Config, TinyVlmConfig.JsonOptions)
        );
    }

    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => [.. named_parameters()];

    public void SetTraining(bool training) => train(training);

    public Tensor Forward(ImageBatch images, Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = RunDecoder(images, inputIds, attentionMask, caches: null); // [N,T,D]
        return LogitsOf(hidden).MoveToOuterDisposeScope(); // [N,T,V]
    }

    public IDecodingSession StartDecoding(ImageBatch images, Tensor inputIds, Tensor attentionMask, int maxNewTokens) =>
        new TinyVlmDecodingSession(this, images, inputIds, attentionMask, maxNewTokens);

    /// <summary>The shared body of the full forward and the cached prefill → normed hidden states [N,T,D].</summary>
    internal Tensor RunDecoder(
        ImageBatch images,
        Tensor inputIds,
        Tensor attentionMask,
        IReadOnlyList<LayerKvCache>? caches
    )
    {
        using var scope = NewDisposeScope();
        ArgumentNullException.ThrowIfNull(images);
        if (
            inputIds.dim() != 2
            || !attentionMask.shape.SequenceEqual(inputIds.shape)
            || images.Count != inputIds.shape[0]
        )
            throw new ArgumentException(
                $"Forward expects images of N rows, inputIds [N,T], attentionMask [N,T]; got {images.Count} images "
                    + $"(pixels [{string.Join(",", images.Pixels.shape)}]), [{string.Join(",", inputIds.shape)}], "
                    + $"[{string.Join(",", attentionMask.shape)}]."
            );
        var imageFeatures = visual.forward(SquarePixels(images)); // [N,P,D]
        var h = MergeImageFeatures(inputIds, EmbedTokens(inputIds), imageFeatures); // [N,T,D]
        var positions = RotaryEmbedding.PositionIds(attentionMask); // [N,T]
        var allowed = TextDecoder.CausalPaddingMask(attentionMask); // [N,1,T,T]
        return textModel.Run(h, positions, allowed, caches, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Images → pixels [N,3,S,S] at the model's square S = ImageSize (decision 3): the padded pixels themselves
    /// when every row already is S×S, else each row cropped to its size and bilinearly resized to S×S.
    /// </summary>
    private Tensor SquarePixels(ImageBatch images)
    {
        int side = Config.ImageSize;
        var square = new ImageSize(side, side);
        if (
            images.Pixels.shape[2] == side
            && images.Pixels.shape[3] == side
            && images.Sizes.All(size => size == square)
        )
            return images.Pixels; // [N,3,S,S]
        using var scope = NewDisposeScope();
        var rows = new Tensor[images.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            var image = images.Image(i).unsqueeze(0); // [1,3,h,w]
            rows[i] =
                images.Sizes[i] == square
                    ? image
                    : nn.functional.interpolate(
                        image,
                        size: [side, side],
                        mode: InterpolationMode.Bilinear,
                        align_corners: false
                    );
        }
        return cat(rows, 0).MoveToOuterDisposeScope(); // [N,3,S,S]
    }

    internal Tensor EmbedTokens(Tensor ids) => textModel.Embed(ids);

    internal Tensor RunText(
        Tensor h,
        Tensor positions,
        Tensor allowed,
        IReadOnlyList<LayerKvCache> caches,
        long offset
    ) => textModel.Run(h, positions, allowed, caches, offset);

    internal Tensor LogitsOf(Tensor hidden) =>
        textModel.IsPlaced ? lmHead.forward(hidden.to(lmHead.weight!.device)).to(Device) : lmHead.forward(hidden);

    internal Device LayerDevice(int layer) => textModel.LayerDevice(layer);

    /// <summary>Puts image feature j at the j-th placeholder of each row (j &lt; P): a gather, so gradients reach the
    /// pixels.</summary>
    private Tensor MergeImageFeatures(Tensor inputIds, Tensor textEmbeds, Tensor imageFeatures)
    {
        using var scope = NewDisposeScope();
        long n = inputIds.shape[0],
            t = inputIds.shape[1],
            p = imageFeatures.shape[1],
            d = imageFeatures.shape[2];
        using var imagePadId = tokenizer.ImagePadId.ToScalar();
        using var placeholders = p.ToScalar();
        using var lastPlaceholder = (p - 1).ToScalar();
        var isImage = inputIds.eq(imagePadId); // [N,T]
        var order = isImage.to_type(int64).cumsum(1).sub(Scalars.One); // [N,T] j-th placeholder
        var counts = isImage.sum(1); // [N]
        var short_ = counts.lt(placeholders);
        if (short_.any().item<bool>())
        {
            long row = short_.to_type(int64).argmax().item<long>();
            throw new ArgumentException(
                $"Row {row} of inputIds has {counts[row].item<long>()} image placeholder tokens; the model needs "
                    + $"{p}. Build prompts with the tokenizer's BuildPrompt.",
                nameof(inputIds)
            );
        }
        var use = isImage.logical_and(order.lt(placeholders)).unsqueeze(-1); // [N,T,1]
        var index = order.clamp(Scalars.ZeroInt, lastPlaceholder).unsqueeze(-1).expand(n, t, d); // [N,T,D]
        var gathered = imageFeatures.gather(1, index); // [N,T,D]
        return where(use, gathered, textEmbeds).MoveToOuterDisposeScope();
    }
}
