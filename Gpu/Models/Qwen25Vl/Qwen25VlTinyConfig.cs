namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The config.json of the tiny random Qwen2.5-VL that the trainer tests and the memory-plan benchmark build: vocab 270
/// (the 256 byte tokens and Qwen's specials above them, <see cref="Qwen25VlTinyTokenizer"/>), decoder 2 layers,
/// hidden 32, 2 heads over 1 key/value head, mrope [2, 3, 3]; vision depth 2, hidden 32, window 56, full attention in
/// block 1; float32. Written with <see cref="Qwen25VlRandomCheckpoint.WriteWithTokenizer"/>.
/// </summary>
public static class Qwen25VlTinyConfig
{
    public const string Json = """
        {
          "architectures": ["Qwen2_5_VLForConditionalGeneration"],
          "model_type": "qwen2_5_vl",
          "vocab_size": 270,
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
          "bos_token_id": 256,
          "eos_token_id": 258,
          "vision_start_token_id": 265,
          "vision_end_token_id": 266,
          "image_token_id": 268,
          "video_token_id": 269,
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
}
