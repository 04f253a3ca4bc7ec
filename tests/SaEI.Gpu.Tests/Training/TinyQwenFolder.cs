using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// A tiny random Qwen2.5-VL checkpoint folder in the official layout (config.json, model.safetensors,
/// preprocessor_config.json, generation_config.json, tokenizer.json) for trainer and orchestrator tests; shared by
/// SaEI.Gpu.Tests and SaEI.Grains.Tests (linked there), and independent of `saei model init`.
/// Decisions:
/// 1. The vocabulary has no holes: ids 0..255 are the byte tokens and 256..261 the six special tokens the chat
///    tokenizer needs, so vocab_size is 262. A random model samples every id; an id the tokenizer does not know would
///    fail decoding (QwenTokenizer.Decode refuses unknown ids).
/// 2. Sizes obey QWEN25VL.md §1.8: vision head_dim 16 (divisible by 4), text head_dim 16 with mrope_section [2,3,3]
///    (sum 8 = head_dim/2), 2 heads over 1 key/value head, out_hidden_size = hidden_size, fullatt [1] of depth 2.
///    window_size 56 gives 2×2 merged tokens a window, so a 112×112 image (8×8 patches) spans several windows.
/// 3. Float32 on disk: the trainer computes in float32 on CPU, so loading converts nothing.
/// </summary>
internal static class TinyQwenFolder
{
    public const int VisionStart = 256, VisionEnd = 257, ImagePad = 258, ImStart = 259, EndOfText = 260, ImEnd = 261;

    public const string ConfigJson = """
        {
          "architectures": ["Qwen2_5_VLForConditionalGeneration"],
          "model_type": "qwen2_5_vl",
          "vocab_size": 262,
          "hidden_size": 32,
          "intermediate_size": 64,
          "num_hidden_layers": 2,
          "num_attention_heads": 2,
          "num_key_value_heads": 1,
          "hidden_act": "silu",
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "rope_scaling": { "type": "mrope", "mrope_section": [2, 3, 3] },
          "tie_word_embeddings": false,
          "initializer_range": 0.1,
          "bos_token_id": 260,
          "eos_token_id": 261,
          "vision_start_token_id": 256,
          "vision_end_token_id": 257,
          "image_token_id": 258,
          "torch_dtype": "float32",
          "vision_config": {
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "in_chans": 3,
            "out_hidden_size": 32,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "window_size": 56,
            "fullatt_block_indexes": [1],
            "hidden_act": "silu"
          }
        }
        """;

    /// <summary>The special tokens at the config's ids (decision 1).</summary>
    public static readonly Dictionary<string, int> SpecialTokens = new()
    {
        [QwenChatTokenizer.VisionStart] = VisionStart, [QwenChatTokenizer.VisionEnd] = VisionEnd, [QwenChatTokenizer.ImagePad] = ImagePad,
        [QwenChatTokenizer.ImStart] = ImStart, [QwenChatTokenizer.EndOfText] = EndOfText, [QwenChatTokenizer.ImEnd] = ImEnd,
    };

    /// <summary>Writes the folder <paramref name="directory"/> (created; must not hold a checkpoint) with weights from <paramref name="seed"/>.</summary>
    public static string Write(string directory, long seed = 7)
    {
        Directory.CreateDirectory(directory);
        string configPath = Path.Combine(directory, "config.json");
        File.WriteAllText(configPath, ConfigJson);
        Qwen25VlRandomCheckpoint.Write(configPath, directory, new Qwen25VlRandomCheckpointOptions { Seed = seed, DType = TorchSharp.torch.ScalarType.Float32 });
        TinyTokenizerJsonWriter.Write(Path.Combine(directory, TokenizerJsonFile.FileName), SpecialTokens);
        return directory;
    }
}
