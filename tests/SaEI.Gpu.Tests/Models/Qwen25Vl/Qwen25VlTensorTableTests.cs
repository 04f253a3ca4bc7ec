using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

public sealed class Qwen25VlTensorTableTests
{
    /// <summary>The published 7B-Instruct config.json (docs/qwen25vl.md §1.1), flat layout.</summary>
    internal const string Config7B = """
        {
          "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
          "vocab_size": 152064, "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
          "num_attention_heads": 28, "num_key_value_heads": 4, "hidden_act": "silu", "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
          "max_position_embeddings": 128000, "sliding_window": 32768, "use_sliding_window": false,
          "max_window_layers": 28,
          "tie_word_embeddings": false, "attention_dropout": 0.0, "torch_dtype": "bfloat16",
          "bos_token_id": 151643, "eos_token_id": 151645, "vision_start_token_id": 151652,
          "vision_end_token_id": 151653,
          "vision_token_id": 151654, "image_token_id": 151655, "video_token_id": 151656,
          "vision_config": {
            "depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
            "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2,
            "spatial_patch_size": 14, "window_size": 112,
            "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2, "temporal_patch_size": 2
          }
        }
        """;

    internal static Qwen25VlConfig Load7B() =>
        Qwen25VlConfig.Parse(JsonNode.Parse(Config7B)!.AsObject(), "7B config.json");

    [Fact]
    public void The_7B_config_gives_729_tensors_and_8_292_166_656_parameters()
    {
        var table = Qwen25VlTensorTable.Build(Load7B());
        Assert.Equal(729, table.Count);
        Assert.Equal(390, table.Count(t => t.Name.StartsWith("visual.", StringComparison.Ordinal)));
        Assert.Equal(339, table.Count(t => !t.Name.StartsWith("visual.", StringComparison.Ordinal)));
        Assert.Equal(8_292_166_656L, Qwen25VlTensorTable.ParameterCount(Load7B())); // docs/qwen25vl.md §1.7
        Assert.Equal(729, table.Select(t => t.Name).Distinct().Count());
    }

    [Theory]
    [InlineData("visual.patch_embed.proj.weight", new long[] { 1280, 3, 2, 14, 14 })]
    [InlineData("visual.blocks.31.attn.qkv.weight", new long[] { 3840, 1280 })]
    [InlineData("visual.blocks.0.attn.qkv.bias", new long[] { 3840 })]
    [InlineData("visual.blocks.7.mlp.gate_proj.bias", new long[] { 3420 })]
    [InlineData("visual.blocks.12.mlp.down_proj.weight", new long[] { 1280, 3420 })]
    [InlineData("visual.merger.ln_q.weight", new long[] { 1280 })]
    [InlineData("visual.merger.mlp.0.weight", new long[] { 5120, 5120 })]
    [InlineData("visual.merger.mlp.2.weight", new long[] { 3584, 5120 })]
    [InlineData("visual.merger.mlp.2.bias", new long[] { 3584 })]
    [InlineData("model.embed_tokens.weight", new long[] { 152064, 3584 })]
    [InlineData("model.layers.27.self_attn.k_proj.weight", new long[] { 512, 3584 })]
    [InlineData("model.layers.0.self_attn.v_proj.bias", new long[] { 512 })]
    [InlineData("model.layers.3.self_attn.o_proj.weight", new long[] { 3584, 3584 })]
    [InlineData("model.layers.5.mlp.up_proj.weight", new long[] { 18944, 3584 })]
    [InlineData("model.layers.5.mlp.down_proj.weight", new long[] { 3584, 18944 })]
    [InlineData("model.layers.9.post_attention_layernorm.weight", new long[] { 3584 })]
    [InlineData("model.norm.weight", new long[] { 3584 })]
    [InlineData("lm_head.weight", new long[] { 152064, 3584 })]
    public void The_7B_table_has_the_published_shapes(string name, long[] shape) =>
        Assert.Equal(shape, Qwen25VlTensorTable.Shapes(Load7B())[name]);

    [Fact]
    public void Biases_exist_only_where_qwen_has_them_and_roles_follow_the_names()
    {
        var shapes = Qwen25VlTensorTable.Shapes(Load7B());
        Assert.False(shapes.ContainsKey("model.layers.0.self_attn.o_proj.bias"));
        Assert.False(shapes.ContainsKey("model.layers.0.mlp.gate_proj.bias"));
        Assert.False(shapes.ContainsKey("visual.patch_embed.proj.bias"));
        foreach (var tensor in Qwen25VlTensorTable.Build(Load7B()))
        {
            var expected =
                tensor.Name.EndsWith(".bias", StringComparison.Ordinal) ? Qwen25VlTensorRole.Bias
                : tensor.Shape.Length == 1 ? Qwen25VlTensorRole.Norm
                : Qwen25VlTensorRole.Weight;
            Assert.Equal(expected, tensor.Role);
        }
    }

    [Fact]
    public void Tied_embeddings_drop_lm_head()
    {
        var tied = Load7B() with { TieWordEmbeddings = true };
        Assert.Equal(728, Qwen25VlTensorTable.Build(tied).Count);
        Assert.DoesNotContain(Qwen25VlTensorTable.Build(tied), t => t.Name == "lm_head.weight");
    }

    [Theory]
    [InlineData("model.language_model.layers.3.mlp.up_proj.weight", "model.layers.3.mlp.up_proj.weight")]
    [InlineData("model.language_model.embed_tokens.weight", "model.embed_tokens.weight")]
    [InlineData("model.language_model.norm.weight", "model.norm.weight")]
    [InlineData("model.visual.blocks.0.norm1.weight", "visual.blocks.0.norm1.weight")]
    [InlineData("model.visual.merger.mlp.0.bias", "visual.merger.mlp.0.bias")]
    [InlineData("visual.patch_embed.proj.weight", "visual.patch_embed.proj.weight")]
    [InlineData("model.layers.0.input_layernorm.weight", "model.layers.0.input_layernorm.weight")]
    [InlineData("lm_head.weight", "lm_head.weight")]
    public void Both_naming_schemes_normalise_to_the_published_names(string stored, string published) =>
        Assert.Equal(published, Qwen25VlTensorTable.Normalize(stored));

    [Fact]
    public void Case_A_weights_load_against_the_table_of_its_config_and_equal_an_independent_reader()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var config = ReferenceCaseA.Config();
        var table = Qwen25VlTensorTable.Build(config);
        Assert.Equal(12 * 4 + 6 + 12 * 2 + 3, table.Count); // 81: depth 4, 2 layers, untied
        var targets = table.ToDictionary(t => t.Name, t => zeros(t.Shape, ScalarType.Float32));
        var folder = CheckpointLoader.Load(ReferenceCaseA.Folder, targets, Qwen25VlTensorTable.Normalize);
        Assert.Equal(81, folder.Tensors.Count);
        // TorchSharp.PyBridge
        var reference = Safetensors.LoadStateDict(Path.Combine(ReferenceCaseA.Folder, "model.safetensors"));
        Assert.Equal(
            table.Select(t => t.Name).Order(StringComparer.Ordinal),
            reference.Keys.Order(StringComparer.Ordinal)
        );
        foreach (var (name, target) in targets)
            Assert.Equal(reference[name].bytes.ToArray(), target.bytes.ToArray());
    }

    [Fact]
    public void Case_A_weights_against_a_different_config_name_the_misshapen_tensor()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var config = ReferenceCaseA.Config() with { IntermediateSize = 128 };
        var targets = Qwen25VlTensorTable
            .Build(config)
            .ToDictionary(t => t.Name, t => zeros(t.Shape, ScalarType.Float32));
        var error = Assert.Throws<InvalidDataException>(() =>
            CheckpointLoader.Load(ReferenceCaseA.Folder, targets, Qwen25VlTensorTable.Normalize)
        );
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains(
            "'model.layers.0.mlp.down_proj.weight' has shape [48,96]; the model expects [48,128]",
            error.Message
        );
        Assert.All(targets.Values, t => Assert.Equal(0, t.abs().sum().item<float>()));
    }
}
