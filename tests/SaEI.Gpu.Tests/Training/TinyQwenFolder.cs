using SaEI.Gpu.Models.Qwen25Vl;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// A tiny random Qwen2.5-VL checkpoint folder in the official layout (config.json, model.safetensors,
/// preprocessor_config.json, generation_config.json, tokenizer.json), written as `saei model init` writes one
/// (<see cref="Qwen25VlRandomCheckpoint.WriteWithTokenizer"/>), for trainer and orchestrator tests; shared by
/// SaEI.Gpu.Tests and SaEI.Grains.Tests (linked there).
/// Decisions:
/// 1. Ids follow Qwen's layout above the 256 byte tokens: &lt;|endoftext|&gt; 256, &lt;|im_start|&gt; 257,
///    &lt;|im_end|&gt; 258, ..., &lt;|vision_start|&gt; 265, &lt;|vision_end|&gt; 266, &lt;|image_pad|&gt; 268,
///    &lt;|video_pad|&gt; 269: vocab_size 270 holds the bytes and the 14 specials.
/// 2. Sizes obey docs/qwen25vl.md §1.8: vision head_dim 16 (divisible by 4), text head_dim 16 with mrope_section
///    [2,3,3] (sum 8 = head_dim/2), 2 heads over 1 key/value head, out_hidden_size = hidden_size, fullatt [1] of depth
///    2. window_size 56 gives 2×2 merged tokens a window, so a 112×112 image (8×8 patches) spans several windows.
/// 3. Float32 on disk: the trainer computes in float32 on CPU, so loading converts nothing.
/// </summary>
internal static class TinyQwenFolder
{
    public const int ImStart = 257,
        ImagePad = 268;

    public const string ConfigJson = Qwen25VlTinyConfig.Json;

    /// <summary>The special tokens at the config's ids (decision 1), as the tokenizer writer places them.</summary>
    public static IReadOnlyDictionary<string, int> SpecialTokens { get; } =
        Qwen25VlTinyTokenizer.SpecialTokenIds(
            Qwen25VlConfig.Parse(System.Text.Json.Nodes.JsonNode.Parse(ConfigJson)!.AsObject(), "TinyQwenFolder"),
            "TinyQwenFolder"
        );

    /// <summary>Writes the folder <paramref name="directory"/> (created; must not hold a checkpoint) with weights from
    /// <paramref name="seed"/>.</summary>
    public static string Write(string directory, long seed = 7)
    {
        Directory.CreateDirectory(directory);
        string configPath = Path.Combine(directory, "config.json");
        File.WriteAllText(configPath, ConfigJson);
        Qwen25VlRandomCheckpoint.WriteWithTokenizer(
            configPath,
            directory,
            new Qwen25VlRandomCheckpointOptions { Seed = seed, DType = TorchSharp.torch.ScalarType.Float32 }
        );
        return directory;
    }
}
