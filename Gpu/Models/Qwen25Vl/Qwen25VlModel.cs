using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL assembled (HF <c>Qwen2_5_VLForConditionalGeneration</c>, docs/qwen25vl.md §1.4–1.5): image processor →
/// vision tower (<c>visual.*</c>) → image embeddings scattered into the <c>image_token_id</c> positions in order →
/// get_rope_index → M-RoPE decoder (<c>model.*</c>) → <c>lm_head</c> → logits [N,T,V] float32.
/// Decisions:
/// 1. Parameters are float32 or bfloat16 (<c>dtype</c>); logits are computed in that dtype, as HF does, and returned
///    as float32 so log-probs are taken in float32.
/// 2. tie_word_embeddings: no <c>lm_head</c> module (so no <c>lm_head.weight</c> parameter); the output projection
///    is <c>embed_tokens.weight</c>.
/// 3. With an <see cref="ImageBatch"/> (one image per row, each at its own size) only the rows whose prompt holds
///    image tokens go through the vision tower; a text-only row's image is ignored. The internal entries take image
///    embeddings and grids directly (HF layout: images in order of appearance, several per row allowed).
/// 4. One core (<see cref="RunDecoder"/>) serves the full forward, the cached prefill and the diagnostic trace of
///    <c>saei model dump</c> (<see cref="Diagnose(ImageBatch?, Tensor, Tensor)"/>).
/// 5. Weights start N(0, initializer_range) from an explicit seed (biases 0, norms 1), as HF's _init_weights.
/// 6. Stage placement (<see cref="Place"/>): the vision tower and embed_tokens on the input device, each decoder layer
///    on its own, the final norm and lm_head on the output device. Logits come out on <see cref="OutputDevice"/> (the
///    vocabulary-sized tensor is never copied); with tied embeddings the projection runs where embed_tokens lives, so
///    the output device is the input device. Each KV cache lives on its layer's device.
/// </summary>
public sealed class Qwen25VlModel : nn.Module
{
    private readonly Qwen25VlVisionModel visual;

    [ComponentName(Name = "model")]
    private readonly Qwen25VlTextModel textModel;

    [ComponentName(Name = "lm_head")]
    private readonly Linear? lmHead;
    private readonly Qwen25VlImageProcessor processor;

    /// <summary>A model with default-initialised parameters in <paramref name="dtype"/> on <paramref name="device"/>
    /// (load weights next).</summary>
    public Qwen25VlModel(
        Qwen25VlConfig config,
        ScalarType dtype = ScalarType.Float32,
        Device? device = null,
        Qwen25VlPreprocessorConfig? preprocessor = null
    )
        : base(nameof(Qwen25VlModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"Qwen2.5-VL parameters are float32 or bfloat16; got {dtype}.", nameof(dtype));
        Config = config;
        visual = new Qwen25VlVisionModel(config.Vision);
        textModel = new Qwen25VlTextModel(config);
        lmHead = config.TieWordEmbeddings ? null : nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        processor = new Qwen25VlImageProcessor(config.Vision, preprocessor);
        RegisterComponents();
        this.to(dtype);
        if (device is not null)
            this.to(device);
    }

    public Qwen25VlConfig Config { get; }

    /// <summary>The image processor (smart resize, normalisation, patches) this model's forward runs.</summary>
    public Qwen25VlImageProcessor Processor => processor;

    /// <summary>The dtype of the parameters (float32 or bfloat16).</summary>
    public ScalarType ParameterDtype => textModel.EmbeddingWeight.dtype;

    public Device Device => textModel.EmbeddingWeight.device;

    /// <summary>Where logits are computed and returned: lm_head's device (embed_tokens' when tied).</summary>
    public Device OutputDevice => (lmHead?.weight ?? textModel.EmbeddingWeight).device;

    internal int LayerCount => textModel.LayerCount;

    /// <summary>Decoder layer <paramref name="layer"/>'s device (where its KV cache lives).</summary>
    internal Device LayerDevice(int layer) => textModel.LayerDevice(layer);

    /// <summary>
    /// Places the stages (decision 6): <paramref name="devices"/> = input (vision tower + embed_tokens), one per
    /// decoder layer, output (final norm + lm_head).
    /// </summary>
    public void Place(IReadOnlyList<Device> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        int stages = LayerCount + 2;
        if (devices.Count != stages)
            throw new ArgumentException(
                $"Place needs one device per stage ({stages}: input, {LayerCount} layers, output); "
                    + $"got {devices.Count}.",
                nameof(devices)
            );
        visual.to(devices[0]);
        textModel.Place(devices[0], devices.Skip(1).Take(LayerCount).ToArray(), devices[^1]);
        lmHead?.to(devices[^1]);
    }

    /// <summary>
    /// Recompute every decoder layer and vision block in backward instead of keeping their activations
    /// (<see cref="ActivationCheckpoint"/>): less memory for a training step, about one more forward of compute.
    /// Gradients are the same; generation and no_grad passes are unaffected. Default off.
    /// </summary>
    public bool ActivationCheckpointing
    {
        get => textModel.ActivationCheckpointing;
        set => (textModel.ActivationCheckpointing, visual.ActivationCheckpointing) = (value, value);
    }

    /// <summary>The vision tower, for <see cref="ModelDump"/>'s intermediates (<see
    /// cref="Qwen25VlVisionModel.ForwardWithIntermediates"/>).</summary>
    internal Qwen25VlVisionModel Visual => visual;

    /// <summary>A freshly initialised model; the same config and seed give the same weights.</summary>
    public static Qwen25VlModel Create(
        Qwen25VlConfig config,
        long seed,
        ScalarType dtype,
        Device device,
        Qwen25VlPreprocessorConfig? preprocessor = null
    )
    {
        var model = new Qwen25VlModel(config, preprocessor: preprocessor);
        using (no_grad())
        using (var generator = new Generator((ulong)seed, CPU))
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal))
                    parameter.zero_();
                else if (parameter.dim() >= 2)
                    parameter.normal_(0, config.InitializerRange, generator);
                else
                    parameter.fill_(Scalars.OneDouble); // RMSNorm weights
            }
        }
        model.to(dtype);
        model.to(device);
        return model;
    }

    /// <summary>
    /// Opens a Hugging Face checkpoint folder (config.json, preprocessor_config.json when present, model.safetensors or
    /// sharded with model.safetensors.index.json) with parameters in <paramref name="dtype"/>. Every header, name and
    /// shape is checked before a byte is copied; tensors stream in one at a time (peak ≈ the model plus one tensor).
    /// On any failure the half-built model is disposed: the caller never holds a half-loaded model.
    /// </summary>
    public static Qwen25VlModel Load(string directory, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Qwen2.5-VL folder '{directory}' does not exist.");
        var config = Qwen25VlConfig.Load(Path.Combine(directory, "config.json"));
        string preprocessorPath = Path.Combine(directory, "preprocessor_config.json");
        var preprocessor = File.Exists(preprocessorPath) ? Qwen25VlPreprocessorConfig.Load(preprocessorPath) : null;
        var model = new Qwen25VlModel(config, dtype, device, preprocessor);
        try
        {
            var targets = model
                .named_parameters()
                .ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
            Checkpoints.CheckpointLoader.Load(directory, targets, Qwen25VlTensorTable.Normalize);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// images (one per row; may be null when no prompt holds image tokens), inputIds [N,T] int64, attentionMask [N,T]
    /// (1 token, 0 left pad) → logits [N,T,V] float32.
    /// </summary>
    public Tensor Forward(ImageBatch? images, Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var (imageEmbeds, grids) = EncodeImages(images, inputIds, trace: null);
        var (hidden, _) = RunDecoder(
            imageEmbeds,
            grids,
            inputIds,
            attentionMask,
            caches: null,
            trace: null,
            imagesPerRow: 1
        ); // [N,T,D]
        return LogitsOf(hidden).MoveToOuterDisposeScope(); // [N,T,V]
    }

    /// <summary>Starts KV-cached decoding of the left-padded prompts for at most <paramref name="maxNewTokens"/> tokens
    /// (call under no_grad).</summary>
    public Qwen25VlDecodingSession StartDecoding(
        ImageBatch? images,
        Tensor inputIds,
        Tensor attentionMask,
        int maxNewTokens
    ) =>
        new(
            this,
            () => EncodeImages(images, inputIds, trace: null),
            inputIds,
            attentionMask,
            maxNewTokens,
            imagesPerRow: 1
        );

    /// <summary>As <see cref="Forward"/> from precomputed image embeddings [ΣP_i,D] (images in order of appearance) and
    /// their grids.</summary>
    internal Tensor ForwardWithImageEmbeddings(
        Tensor? imageEmbeds,
        IReadOnlyList<long[]> grids,
        Tensor inputIds,
        Tensor attentionMask
    )
    {
        using var scope = NewDisposeScope();
        var (hidden, _) = RunDecoder(imageEmbeds, grids, inputIds, attentionMask, caches: null, trace: null); // [N,T,D]
        return LogitsOf(hidden).MoveToOuterDisposeScope(); // [N,T,V]
    }

    /// <summary>As <see cref="StartDecoding"/> from precomputed image embeddings and grids (not owned by the
    /// session).</summary>
    internal Qwen25VlDecodingSession StartDecodingWithImageEmbeddings(
        Tensor? imageEmbeds,
        IReadOnlyList<long[]> grids,
        Tensor inputIds,
        Tensor attentionMask,
        int maxNewTokens
    ) => new(this, () => (imageEmbeds, grids), inputIds, attentionMask, maxNewTokens);

    /// <summary>
    /// The intermediates of one full forward for <c>saei model dump</c>: image_embeds and image_grid_thw (when images
    /// are given), position_ids, mrope_position_deltas, inputs_embeds, text.layer_out.{i}, text.final_norm, logits.
    /// Detached copies owned by the caller.
    /// </summary>
    internal Dictionary<string, Tensor> Diagnose(ImageBatch? images, Tensor inputIds, Tensor attentionMask)
    {
        var trace = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope();
        var (imageEmbeds, grids) = EncodeImages(images, inputIds, trace);
        return Diagnose(imageEmbeds, grids, inputIds, attentionMask, trace, imagesPerRow: 1);
    }

    /// <summary>As <see cref="Diagnose(ImageBatch?, Tensor, Tensor)"/> from precomputed image embeddings and
    /// grids.</summary>
    internal Dictionary<string, Tensor> Diagnose(
        Tensor? imageEmbeds,
        IReadOnlyList<long[]> grids,
        Tensor inputIds,
        Tensor attentionMask,
        Dictionary<string, Tensor>? trace = null,
        int? imagesPerRow = null
    )
    {
        trace ??= [];
        using var scope = NewDisposeScope();
        var (hidden, _) = RunDecoder(imageEmbeds, grids, inputIds, attentionMask, caches: null, trace, imagesPerRow);
        Qwen25VlTextModel.Record(trace, "logits", LogitsOf(hidden));
        return trace;
    }

    /// <summary>
    /// The shared body of the full forward, the cached prefill and the trace → final-normed hidden [N,T,D] and the
    /// rows' rope deltas [N,1]. With caches, keys and values land at [0, T). <paramref name="imagesPerRow"/> caps the
    /// images a row announces (<see cref="RopeIndex.ComputeWithImageTokens"/>): placeholders beyond them are text.
    /// </summary>
    internal (Tensor Hidden, Tensor Deltas) RunDecoder(
        Tensor? imageEmbeds,
        IReadOnlyList<long[]> grids,
        Tensor inputIds,
        Tensor attentionMask,
        IReadOnlyList<LayerKvCache>? caches,
        IDictionary<string, Tensor>? trace,
        int? imagesPerRow = null
    )
    {
        if (inputIds.dim() != 2 || !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"Qwen2.5-VL expects inputIds and attentionMask [N,T]; got [{string.Join(",", inputIds.shape)}] and "
                    + $"[{string.Join(",", attentionMask.shape)}]."
            );
        using var scope = NewDisposeScope();
        var (positionIds, deltas, imageTokens) = RopeIndex.ComputeWithImageTokens(
            inputIds,
            attentionMask,
            grids,
            Config,
            imagesPerRow
        ); // [3,N,T], [N,1], [N,T]
        Qwen25VlTextModel.Record(trace, "position_ids", positionIds);
        Qwen25VlTextModel.Record(trace, "mrope_position_deltas", deltas);
        var h = ScatterImageEmbeddings(imageTokens, EmbedTokens(inputIds), imageEmbeds); // [N,T,D]
        Qwen25VlTextModel.Record(trace, "inputs_embeds", h);
        var allowed = Qwen25VlTextModel.CausalPaddingMask(attentionMask); // [N,1,T,T]
        var hidden = textModel.Run(h, positionIds, allowed, caches, 0, trace); // [N,T,D]
        return (hidden.MoveToOuterDisposeScope(), deltas.MoveToOuterDisposeScope());
    }

    internal Tensor EmbedTokens(Tensor ids) => textModel.Embed(ids);

    internal Tensor RunText(
        Tensor h,
        Tensor positionIds,
        Tensor allowed,
        IReadOnlyList<LayerKvCache> caches,
        long offset
    ) => textModel.Run(h, positionIds, allowed, caches, offset);

    /// <summary>hidden [...,D] → logits [...,V] float32 (computed in the parameter dtype).</summary>
    internal Tensor LogitsOf(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var weight = lmHead?.weight ?? textModel.EmbeddingWeight;
        if (hidden.device.ToString() != weight.device.ToString())
            hidden = hidden.to(weight.device); // decision 6
        var logits = lmHead is null ? nn.functional.linear(hidden, weight) : lmHead.forward(hidden);
        return logits.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the processor and the vision tower on the rows whose prompt announces an image (vision_start followed by
    /// image_token_id; one image per row) → image embeddings [ΣP_i,D]
    /// in the text dtype (null when no row does) and one grid per image, in row order.
    /// </summary>
    private (Tensor? Embeds, IReadOnlyList<long[]> Grids) EncodeImages(
        ImageBatch? images,
        Tensor inputIds,
        IDictionary<string, Tensor>? trace
    )
    {
        using var scope = NewDisposeScope();
        long n = inputIds.shape[0],
            t = inputIds.shape[1];
        bool[] hasImage =
        [
            .. RopeIndex
                .Announced(inputIds.cpu().to_type(ScalarType.Int64).data<long>().ToArray(), n, t, Config)
                .Select(count => count > 0),
        ]; // [N]
        if (!hasImage.Contains(true))
            return (null, []);
        if (images is null || images.Count != hasImage.Length)
            throw new ArgumentException(
                $"The prompts hold image tokens (image_token_id {Config.ImageTokenId}) in {hasImage.Count(b => b)} "
                    + $"row(s); pass an ImageBatch with one image per row ({hasImage.Length}), got "
                    + $"{images?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}."
            );
        using var rows = tensor(
            Enumerable.Range(0, hasImage.Length).Where(i => hasImage[i]).Select(i => (long)i).ToArray(),
            ScalarType.Int64
        );
        using var selected = hasImage.All(b => b) ? null : images.IndexSelect(rows);
        var (pixelValues, grids) = processor.Preprocess(selected ?? images); // [ΣS_i, C·T·p·p]
        var embeds = visual.Forward(pixelValues, grids).to_type(ParameterDtype); // [ΣS_i/merge², D]
        Qwen25VlTextModel.Record(trace, "image_embeds", embeds);
        if (trace is not null)
            Qwen25VlTextModel.Record(
                trace,
                "image_grid_thw",
                tensor(grids.SelectMany(g => g).ToArray(), [grids.Count, 3], ScalarType.Int64)
            );
        return (embeds.MoveToOuterDisposeScope(), grids);
    }

    /// <summary>
    /// Puts image embedding rows into the positions of <paramref name="imageTokens"/> [N,T] (bool) of
    /// <paramref name="textEmbeds"/> [N,T,D] in row-major order (HF masked_scatter); other tokens keep their embedding.
    /// </summary>
    private Tensor ScatterImageEmbeddings(Tensor imageTokens, Tensor textEmbeds, Tensor? imageEmbeds)
    {
        using var scope = NewDisposeScope();
        long tokens = imageTokens.sum().item<long>(),
            features = imageEmbeds?.shape[0] ?? 0;
        if (tokens != features)
            throw new ArgumentException(
                $"Image features and image tokens do not match: the prompts hold {tokens} image token(s) "
                    + $"(image_token_id {Config.ImageTokenId}) and the images give {features} feature row(s)."
            );
        if (imageEmbeds is null)
            return textEmbeds.view_as(textEmbeds).MoveToOuterDisposeScope();
        var mask = imageTokens.unsqueeze(-1).expand_as(textEmbeds); // [N,T,D]
        return textEmbeds.masked_scatter(mask, imageEmbeds.to_type(textEmbeds.dtype)).MoveToOuterDisposeScope();
    }
}
