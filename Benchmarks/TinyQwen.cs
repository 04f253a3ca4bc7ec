using System.Text.Json.Nodes;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Tokenization;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// The tiny random Qwen2.5-VL the Qwen benchmarks run: the layout of the reference case A (tests/data/qwen25vl/A:
/// decoder 2 layers, hidden 48, 4 heads / 2 KV heads, mrope [2,2,2]; vision tower depth 4, hidden 32, window 56, full
/// attention in blocks 1 and 3; vocab 300) with the byte-level tokenizer `saei model init` writes (special tokens at
/// case A's ids, <see cref="Qwen25VlTinyTokenizer"/>), and synthetic counting problems whose images are resized to
/// fixed multiples of 28 (so smart resize keeps them). Decisions:
/// 1. The config is written here, not read from tests/data: the benchmark runs from any checkout.
/// 2. The tokenizer has no merges, so every prompt byte is one token: the EasyR1 prompt is a few hundred tokens plus
///    the image's placeholders, the long-prompt/short-model regime where the KV cache and the shared prompt matter
///    most. Ids a random model samples beyond the tokenizer decode to nothing.
/// 3. Weights are float32 with initializer_range 0.02 (Hugging Face's init): near-uniform next-token distributions,
///    so rows rarely stop early and every step decodes close to max_new_tokens.
/// </summary>
public static class TinyQwen
{
    /// <summary>The default mixed sizes (width × height), each a multiple of the 28-pixel merge block.</summary>
    public static readonly ImageSize[] MixedSizes =
    [
        new(Height: 84, Width: 56),
        new(Height: 56, Width: 84),
        new(Height: 112, Width: 112),
    ];

    private const string ConfigJson = """
        {
          "model_type": "qwen2_5_vl", "vocab_size": 300, "hidden_size": 48, "intermediate_size": 96,
          "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu",
          "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": false, "initializer_range": 0.02,
          "max_position_embeddings": 32768, "use_sliding_window": false,
          "bos_token_id": 297, "eos_token_id": 298, "image_token_id": 290, "video_token_id": 291,
          "vision_start_token_id": 288, "vision_end_token_id": 289,
          "rope_scaling": { "type": "mrope", "mrope_section": [2, 2, 2] },
          "vision_config": {
            "depth": 4, "hidden_act": "silu", "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "in_chans": 3,
            "out_hidden_size": 48, "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14,
            "window_size": 56, "fullatt_block_indexes": [1, 3], "tokens_per_second": 2, "temporal_patch_size": 2
          }
        }
        """;

    public static Qwen25VlConfig Config() =>
        Qwen25VlConfig.Parse(JsonNode.Parse(ConfigJson)!.AsObject(), "tiny Qwen2.5-VL benchmark config");

    /// <summary>A random float32 policy on <paramref name="device"/> (CPU by default); the same seed gives the same
    /// weights.</summary>
    public static Qwen25VlPolicy CreatePolicy(long seed, Device? device = null)
    {
        TorchRuntime.Initialize(1);
        string folder = Directory.CreateTempSubdirectory("saei-bench-tokenizer-").FullName;
        try
        {
            var config = Config();
            string file = Qwen25VlTinyTokenizer.Write(config, folder, "tiny Qwen2.5-VL benchmark config");
            return Qwen25VlPolicy.Create(config, QwenChatTokenizer.Load(file), seed, ScalarType.Float32, device ?? CPU);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="count"/> synthetic counting problems; problem i's image is resized to
    /// <c>MixedSizes[i % 3]</c>, so the sizes come in equal counts when count is a multiple of 3.
    /// </summary>
    public static IReadOnlyList<VisualProblem> MixedSizeProblems(int count, ulong seed)
    {
        var problems = new SyntheticTask(
            new SyntheticTaskOptions { Families = [SyntheticFamily.Counting], Seed = seed }
        ).Generate(count);
        return
        [
            .. problems.Select(
                (p, i) =>
                    p with
                    {
                        Image = ImageResizer.Resize(
                            p.Image,
                            MixedSizes[i % MixedSizes.Length].Width,
                            MixedSizes[i % MixedSizes.Length].Height
                        ),
                    }
            ),
        ];
    }
}
