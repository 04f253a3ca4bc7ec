using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// TinyVlm sizes, written as config.json next to model.safetensors (snake_case keys as in Hugging Face configs;
/// unknown keys are errors). Defaults give about 1.9 M parameters: trainable on 2 CPU cores.
/// </summary>
public sealed record TinyVlmConfig
{
    /// <summary>Always "tiny-vlm"; <see cref="PolicyModelFactory"/> dispatches on it.</summary>
    public string Family { get; init; } = TinyVlm.FamilyName;

    /// <summary>Tokenizer vocabulary name (<see cref="Tokenization.CharChatTokenizer.Name"/>).</summary>
    public string Tokenizer { get; init; } = Tokenization.CharChatTokenizer.Name;

    /// <summary>Square input image side in pixels. Default 64.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>Patch side in pixels; (ImageSize/PatchSize)² image tokens. Default 8 → 64 tokens.</summary>
    public int PatchSize { get; init; } = 8;

    /// <summary>Vision width Dv. Default 96.</summary>
    public int VisionHiddenSize { get; init; } = 96;

    /// <summary>Vision transformer blocks. Default 2.</summary>
    public int VisionLayers { get; init; } = 2;

    /// <summary>Vision attention heads. Default 4.</summary>
    public int VisionHeads { get; init; } = 4;

    /// <summary>Vision SwiGLU width. Default 256.</summary>
    public int VisionIntermediateSize { get; init; } = 256;

    /// <summary>Decoder width D (hidden_size). Default 192.</summary>
    public int HiddenSize { get; init; } = 192;

    /// <summary>Decoder layers (num_hidden_layers). Default 4.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Query heads (num_attention_heads). Default 6 → head_dim 32.</summary>
    public int Heads { get; init; } = 6;

    /// <summary>Key/value heads (num_key_value_heads, GQA). Default 2.</summary>
    public int KeyValueHeads { get; init; } = 2;

    /// <summary>SwiGLU width (intermediate_size). Default 512.</summary>
    public int IntermediateSize { get; init; } = 512;

    /// <summary>RoPE base (rope_theta). Default 10000 (Qwen2.5-VL uses 1e6 at 128k context; ours is short).</summary>
    public double RopeTheta { get; init; } = 10_000;

    /// <summary>RMSNorm epsilon. Default 1e-6 (Qwen2.5-VL checkpoint).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>Std of the normal initialisation (initializer_range). Default 0.02 (Hugging Face).</summary>
    public double InitializerRange { get; init; } = 0.02;

    [JsonIgnore]
    public int ImageTokenCount => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    [JsonIgnore]
    public int HeadDim => HiddenSize / Heads;

    public static JsonSerializerOptions JsonOptions { get; } =
        new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = true,
        };

    /// <summary>Reads a config.json written by TinyVlm.Save (or by hand); errors name the file.</summary>
    public static TinyVlmConfig Load(string configPath)
    {
        try
        {
            return JsonSerializer.Deserialize<TinyVlmConfig>(File.ReadAllText(configPath), JsonOptions)
                ?? throw new InvalidDataException($"{configPath} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{configPath}: {e.Message} (keys are the snake_case names of TinyVlmConfig).",
                e
            );
        }
    }

    /// <summary>Throws naming the field and the fix when sizes do not fit together.</summary>
    public void Validate()
    {
        Require(Family == TinyVlm.FamilyName, nameof(Family), $"must be '{TinyVlm.FamilyName}'");
        Require(
            Tokenizer == Tokenization.CharChatTokenizer.Name,
            nameof(Tokenizer),
            $"must be '{Tokenization.CharChatTokenizer.Name}'"
        );
        Require(
            PatchSize > 0 && ImageSize > 0 && ImageSize % PatchSize == 0,
            nameof(ImageSize),
            "must be a positive multiple of patch_size"
        );
        Require(
            VisionHeads > 0 && VisionHiddenSize % VisionHeads == 0,
            nameof(VisionHiddenSize),
            "must be divisible by vision_heads"
        );
        Require(
            Heads > 0 && HiddenSize % Heads == 0 && HeadDim % 2 == 0,
            nameof(HiddenSize),
            "must be divisible by heads with an even head_dim"
        );
        Require(KeyValueHeads > 0 && Heads % KeyValueHeads == 0, nameof(KeyValueHeads), "must divide heads");
        Require(Layers > 0 && VisionLayers > 0, nameof(Layers), "must be at least 1");
        Require(IntermediateSize > 0 && VisionIntermediateSize > 0, nameof(IntermediateSize), "must be positive");
        Require(
            RopeTheta > 0 && RmsNormEps > 0 && InitializerRange > 0,
            nameof(RopeTheta),
            "rope_theta, rms_norm_eps, initializer_range must be positive"
        );
    }

    private static void Require(bool condition, string field, string rule)
    {
        if (!condition)
            throw new ArgumentException(
                $"TinyVlm config: {JsonNamingPolicy.SnakeCaseLower.ConvertName(field)} {rule}.",
                field
            );
    }
}
