using System.Text.Json;
using System.Text.Json.Nodes;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2.5-VL sizes and token ids from Hugging Face's config.json (docs/qwen25vl.md §1.1), in either layout: the
/// published flat one (text fields at top level) or the newer re-save with a nested <c>text_config</c> (its fields
/// win). Nothing about the model is a constant: every size and id comes from here.
/// Decisions:
/// 1. Keys the model does not use (architectures, torch_dtype, use_cache, sliding_window, ...) are accepted and
///    ignored, as transformers does; a missing key the model needs is an error naming it.
/// 2. <c>rope_scaling</c> must be M-RoPE (<c>type</c> or <c>rope_type</c> "mrope"/"default" with mrope_section).
/// </summary>
public sealed record Qwen25VlConfig
{
    public const string ModelType = "qwen2_5_vl";

    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public required int[] MropeSection { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public double InitializerRange { get; init; } = 0.02;

    public required int ImageTokenId { get; init; }
    public required int VisionStartTokenId { get; init; }
    public required int VisionEndTokenId { get; init; }
    public int? VideoTokenId { get; init; }
    public int? BosTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];

    public required Qwen25VlVisionConfig Vision { get; init; }

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Reads config.json; errors name the file and the key.</summary>
    public static Qwen25VlConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No config.json at '{path}'.", path);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
        return Parse(root as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object."), path);
    }

    /// <summary>Parses a config object; <paramref name="source"/> names it in errors.</summary>
    public static Qwen25VlConfig Parse(JsonObject root, string source)
    {
        var reader = new ConfigReader(root, source);
        string? modelType = reader.OptionalString("model_type");
        if (modelType is not null && modelType != ModelType)
            throw new InvalidDataException($"{source}: model_type is '{modelType}'; this loader reads '{ModelType}'.");
        var text = root["text_config"] is JsonObject nested ? reader.Merged(nested) : reader;
        var rope = text.Object("rope_scaling");
        var ropeReader = new ConfigReader(rope, $"{source} rope_scaling");
        string ropeType = ropeReader.OptionalString("type") ?? ropeReader.OptionalString("rope_type") ?? "mrope";
        if (ropeType is not ("mrope" or "default"))
            throw new InvalidDataException(
                $"{source}: rope_scaling type '{ropeType}' is not M-RoPE; Qwen2.5-VL uses "
                    + $"{{\"type\":\"mrope\",\"mrope_section\":[...]}}."
            );
        var vision = new ConfigReader(reader.Object("vision_config"), $"{source} vision_config");
        var config = new Qwen25VlConfig
        {
            VocabSize = text.Int("vocab_size"),
            HiddenSize = text.Int("hidden_size"),
            IntermediateSize = text.Int("intermediate_size"),
            NumHiddenLayers = text.Int("num_hidden_layers"),
            NumAttentionHeads = text.Int("num_attention_heads"),
            NumKeyValueHeads = text.Int("num_key_value_heads"),
            RmsNormEps = text.Double("rms_norm_eps"),
            RopeTheta = text.Double("rope_theta"),
            MropeSection = ropeReader.IntArray("mrope_section"),
            TieWordEmbeddings =
                reader.OptionalBool("tie_word_embeddings") ?? text.OptionalBool("tie_word_embeddings") ?? false,
            InitializerRange = text.OptionalDouble("initializer_range") ?? 0.02,
            ImageTokenId = reader.Int("image_token_id"),
            VisionStartTokenId = reader.Int("vision_start_token_id"),
            VisionEndTokenId = reader.Int("vision_end_token_id"),
            VideoTokenId = reader.OptionalInt("video_token_id"),
            BosTokenId = reader.OptionalInt("bos_token_id"),
            EosTokenIds = reader.OptionalIntOrArray("eos_token_id"),
            Vision = new Qwen25VlVisionConfig
            {
                Depth = vision.Int("depth"),
                HiddenSize = vision.Int("hidden_size"),
                IntermediateSize = vision.Int("intermediate_size"),
                NumHeads = vision.Int("num_heads"),
                InChannels = vision.OptionalInt("in_chans") ?? vision.OptionalInt("in_channels") ?? 3,
                OutHiddenSize = vision.Int("out_hidden_size"),
                PatchSize = vision.OptionalInt("patch_size") ?? vision.Int("spatial_patch_size"),
                SpatialMergeSize = vision.Int("spatial_merge_size"),
                TemporalPatchSize = vision.Int("temporal_patch_size"),
                WindowSize = vision.Int("window_size"),
                FullAttentionBlockIndexes = vision.OptionalIntArray("fullatt_block_indexes") ?? [],
            },
        };
        config.Validate(source);
        return config;
    }

    /// <summary>Throws naming the field and the rule when sizes do not fit together (invariants: docs/qwen25vl.md
    /// §1.8).</summary>
    public void Validate(string source = "config.json")
    {
        void Require(bool condition, string message)
        {
            if (!condition)
                throw new InvalidDataException($"{source}: {message}.");
        }
        Require(
            VocabSize > 0 && HiddenSize > 0 && IntermediateSize > 0 && NumHiddenLayers > 0,
            "vocab_size, hidden_size, intermediate_size and num_hidden_layers must be positive"
        );
        Require(
            NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0 && HeadDim % 2 == 0,
            $"hidden_size {HiddenSize} must be divisible by num_attention_heads {NumAttentionHeads} with an even "
                + $"head_dim"
        );
        Require(
            NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0,
            $"num_key_value_heads {NumKeyValueHeads} must divide num_attention_heads {NumAttentionHeads}"
        );
        Require(
            MropeSection.Length == 3 && MropeSection.All(s => s >= 0) && MropeSection.Sum() == HeadDim / 2,
            $"rope_scaling.mrope_section [{string.Join(",", MropeSection)}] must have 3 entries summing to "
                + $"head_dim/2 = {HeadDim / 2}"
        );
        Require(RmsNormEps > 0 && RopeTheta > 0, "rms_norm_eps and rope_theta must be positive");
        foreach (
            var (name, id) in new[]
            {
                ("image_token_id", ImageTokenId),
                ("vision_start_token_id", VisionStartTokenId),
                ("vision_end_token_id", VisionEndTokenId),
            }
        )
            Require(id >= 0 && id < VocabSize, $"{name} {id} must lie in [0, vocab_size {VocabSize})");
        Vision.Validate(source, HiddenSize);
    }
}

/// <summary>The vision tower's sizes (config.json <c>vision_config</c>).</summary>
public sealed record Qwen25VlVisionConfig
{
    public required int Depth { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHeads { get; init; }
    public int InChannels { get; init; } = 3;
    public required int OutHiddenSize { get; init; }
    public required int PatchSize { get; init; }
    public required int SpatialMergeSize { get; init; }
    public required int TemporalPatchSize { get; init; }

    /// <summary>Attention window side in pixels (112 for the 7B: 4 merged tokens).</summary>
    public required int WindowSize { get; init; }
    public required int[] FullAttentionBlockIndexes { get; init; }

    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>Merged tokens per window side: window_size / merge / patch.</summary>
    public int MergerWindowSize => WindowSize / SpatialMergeSize / PatchSize;

    /// <summary>The resize factor of the image processor: patch · merge (28).</summary>
    public int Factor => PatchSize * SpatialMergeSize;

    public void Validate(string source, int textHidden)
    {
        void Require(bool condition, string message)
        {
            if (!condition)
                throw new InvalidDataException($"{source} vision_config: {message}.");
        }
        Require(
            Depth > 0
                && HiddenSize > 0
                && IntermediateSize > 0
                && PatchSize > 0
                && SpatialMergeSize > 0
                && TemporalPatchSize > 0,
            "depth, hidden_size, intermediate_size, patch_size, spatial_merge_size and temporal_patch_size must be "
                + "positive"
        );
        Require(InChannels == 3, $"in_chans {InChannels}: only RGB (3) is supported");
        Require(
            NumHeads > 0 && HiddenSize % NumHeads == 0 && HeadDim % 4 == 0,
            $"hidden_size {HiddenSize} / num_heads {NumHeads} must give a head_dim divisible by 4 (2-D rotary)"
        );
        Require(
            OutHiddenSize == textHidden,
            $"out_hidden_size {OutHiddenSize} must equal the text hidden_size {textHidden}"
        );
        Require(
            WindowSize > 0 && WindowSize % (SpatialMergeSize * PatchSize) == 0,
            $"window_size {WindowSize} must be a positive multiple of patch_size·spatial_merge_size"
        );
        Require(
            FullAttentionBlockIndexes.All(i => i >= 0 && i < Depth),
            $"fullatt_block_indexes [{string.Join(",", FullAttentionBlockIndexes)}] must lie in [0, depth {Depth})"
        );
    }
}
