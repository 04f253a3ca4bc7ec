using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Tokenization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL as a policy (<see cref="IPolicyModel"/>) from a Hugging Face checkpoint folder (config.json,
/// model.safetensors or model-0000N-of-0000M.safetensors + model.safetensors.index.json, tokenizer.json,
/// preprocessor_config.json, generation_config.json): the <see cref="Qwen25VlModel"/> module, its image processor and
/// the Qwen chat tokenizer.
/// Decisions:
/// 1. Loading builds the model, checks every header, name and shape of the checkpoint against it, then streams the
///    tensors in one at a time converted to the compute dtype (<see cref="CheckpointLoader"/>). Any failure disposes
///    the half-built model: a caller never holds a half-loaded policy.
/// 2. The tokenizer's special tokens must be the config's ids (image_token_id, vision_start/end): a tokenizer from
///    another model is refused at load, not discovered as garbage prompts.
/// 3. Stages (for shard plans) are "input" (vision tower + embed_tokens), "model.layers.i", "output" (norm + lm_head);
///    <see cref="PlaceStages"/> puts each on its device (<see cref="Qwen25VlModel.Place"/>). Logits come out on the
///    output stage's device; the callers (sampler, teacher forcing) do not assume they are on <see cref="Device"/>.
/// 4. <see cref="Save"/> writes the weights in the parameter dtype in the official layout and copies the folder's
///    tokenizer and processor files, so a saved policy is a checkpoint folder this class (and transformers) can open.
/// </summary>
public sealed class Qwen25VlPolicy : IPolicyModel
{
    public const string FamilyName = "qwen2.5-vl";

    /// <summary>Files besides the weights that travel with a checkpoint folder.</summary>
    private static readonly string[] CompanionFiles =
    [
        "tokenizer.json",
        "tokenizer_config.json",
        "preprocessor_config.json",
        "generation_config.json",
        "chat_template.json",
        "vocab.json",
        "merges.txt",
    ];

    private readonly string? sourceDirectory;
    private readonly JsonObject? configJson;

    private Qwen25VlPolicy(
        Qwen25VlModel model,
        QwenChatTokenizer tokenizer,
        string? sourceDirectory,
        JsonObject? configJson
    )
    {
        Model = model;
        ChatTokenizer = tokenizer;
        this.sourceDirectory = sourceDirectory;
        this.configJson = configJson;
        CheckTokenIds(model.Config, tokenizer, sourceDirectory ?? "(in memory)");
    }

    /// <summary>The module (visual.*, model.*, lm_head).</summary>
    public Qwen25VlModel Model { get; }

    public QwenChatTokenizer ChatTokenizer { get; }

    public PolicyModelInfo Info =>
        new(
            FamilyName,
            Model.Config.VocabSize,
            ChatTokenizer.EndOfSequenceId,
            ChatTokenizer.PadId,
            Model.parameters().Sum(p => p.numel())
        );

    public IChatTokenizer Tokenizer => ChatTokenizer;

    public Device Device => Model.Device;

    public IReadOnlyList<ModelStage> Stages
    {
        get
        {
            var parameters = Model.named_parameters().ToList();
            ModelStage Stage(string name, Func<string, bool> member)
            {
                var selected = parameters.Where(p => member(p.name)).ToList();
                return new ModelStage(
                    name,
                    selected.Sum(p => p.parameter.numel() * p.parameter.ElementSize),
                    selected.Count > 0 ? selected[0].parameter.device.ToString() : Device.ToString()
                );
            }
            return
            [
                Stage(
                    "input",
                    n =>
                        n.StartsWith("visual.", StringComparison.Ordinal)
                        || n.StartsWith("model.embed_tokens.", StringComparison.Ordinal)
                ),
                .. Enumerable
                    .Range(0, Model.LayerCount)
                    .Select(i =>
                        Stage($"model.layers.{i}", n => n.StartsWith($"model.layers.{i}.", StringComparison.Ordinal))
                    ),
                Stage(
                    "output",
                    n =>
                        n.StartsWith("model.norm.", StringComparison.Ordinal)
                        || n.StartsWith("lm_head.", StringComparison.Ordinal)
                ),
            ];
        }
    }

    public void PlaceStages(IReadOnlyList<Device> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        int stages = Model.LayerCount + 2;
        if (devices.Count != stages)
            throw new ArgumentException(
                $"PlaceStages needs one device per stage ({stages}: input, {Model.LayerCount} layers, output); got "
                    + $"{devices.Count}.",
                nameof(devices)
            );
        Model.Place(devices);
    }

    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() => [.. Model.named_parameters()];

    public ImageSize InputSize(ImageSize original) => Model.Processor.InputSize(original);

    public int ImageTokenCount(ImageSize inputSize) => Model.Processor.TokenCount(inputSize);

    public Tensor Forward(ImageBatch images, Tensor inputIds, Tensor attentionMask) =>
        Model.Forward(images, inputIds, attentionMask);

    public void SetTraining(bool training) => Model.train(training);

    public bool ActivationCheckpointing
    {
        get => Model.ActivationCheckpointing;
        set => Model.ActivationCheckpointing = value;
    }

    public IDecodingSession StartDecoding(ImageBatch images, Tensor inputIds, Tensor attentionMask, int maxNewTokens) =>
        Model.StartDecoding(images, inputIds, attentionMask, maxNewTokens);

    /// <summary>A random model for tests and CPU demos (same config and seed, same weights) with the given
    /// tokenizer.</summary>
    public static Qwen25VlPolicy Create(
        Qwen25VlConfig config,
        QwenChatTokenizer tokenizer,
        long seed,
        ScalarType dtype,
        Device device,
        Qwen25VlPreprocessorConfig? preprocessor = null
    ) => new(Qwen25VlModel.Create(config, seed, dtype, device, preprocessor), tokenizer, null, null);

    /// <summary>
    /// Opens a checkpoint folder in <paramref name="dtype"/> (float32 on CPU by default; bfloat16 for the 7B on a GPU).
    /// Errors name the file and, for weights, the tensor.
    /// </summary>
    public static Qwen25VlPolicy Load(string directory, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Qwen2.5-VL folder '{directory}' does not exist.");
        string configPath = Path.Combine(directory, "config.json");
        var configJson = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject;
        var tokenizer = QwenChatTokenizer.Load(directory);
        var model = Qwen25VlModel.Load(directory, device, dtype);
        try
        {
            return new Qwen25VlPolicy(model, tokenizer, Path.GetFullPath(directory), configJson);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var tensors = Model
            .named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter))
            .ToList();
        CheckpointWriter.Write(directory, tensors, new CheckpointWriteOptions { DType = Model.ParameterDtype });
        string configText =
            configJson?.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })
            ?? throw new InvalidOperationException(
                "this Qwen2.5-VL was built in memory, not loaded from a folder: it has no config.json to save."
            );
        File.WriteAllText(Path.Combine(directory, "config.json"), configText);
        if (sourceDirectory is null)
            return;
        foreach (string file in CompanionFiles)
        {
            string source = Path.Combine(sourceDirectory, file);
            if (File.Exists(source))
                File.Copy(source, Path.Combine(directory, file), overwrite: true);
        }
    }

    public void Dispose() => Model.Dispose();

    private static void CheckTokenIds(Qwen25VlConfig config, QwenChatTokenizer tokenizer, string source)
    {
        if (tokenizer.ImagePadId != config.ImageTokenId)
            throw new InvalidDataException(
                $"{source}: tokenizer.json puts <|image_pad|> at id {tokenizer.ImagePadId} but config.json says "
                    + $"image_token_id {config.ImageTokenId}; the tokenizer belongs to another model."
            );
        foreach (
            var (name, id) in new[]
            {
                ("vision_start_token_id", config.VisionStartTokenId),
                ("vision_end_token_id", config.VisionEndTokenId),
            }
        )
        {
            string content =
                name == "vision_start_token_id" ? QwenChatTokenizer.VisionStart : QwenChatTokenizer.VisionEnd;
            if (!tokenizer.Tokenizer.TryGetAddedTokenId(content, out int tokenId) || tokenId != id)
                throw new InvalidDataException(
                    $"{source}: tokenizer.json puts {content} at id {tokenId} but config.json says {name} {id}; the "
                        + $"tokenizer belongs to another model."
                );
        }
        int maxId = Math.Max(tokenizer.EndOfSequenceId, tokenizer.PadId);
        if (maxId >= config.VocabSize)
            throw new InvalidDataException(
                $"{source}: the tokenizer's special ids reach {maxId}, beyond vocab_size {config.VocabSize}."
            );
    }
}
