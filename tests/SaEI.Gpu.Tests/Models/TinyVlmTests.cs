using System.Text.Json;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Tiny;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models;

public sealed class TinyVlmTests : IDisposable
{
    private readonly string root = Path.Combine(
        Path.GetTempPath(),
        "saei-tests",
        "tinyvlm-" + Guid.NewGuid().ToString("N")
    );

    public void Dispose()
    {
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void Default_config_has_1_to_5_million_parameters_with_Hugging_Face_names()
    {
        using var model = TinyModels.Create(config: new TinyVlmConfig());
        var info = model.Info;
        Assert.InRange(info.ParameterCount, 1_000_000, 5_000_000);
        Assert.Equal(64, model.ImageTokenCount(model.InputSize(new ImageSize(480, 640))));
        Assert.Equal(new ImageSize(64, 64), model.InputSize(new ImageSize(480, 640)));
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.shape);
        // Shape snapshot: D = 192, 6 heads × 32, 2 kv heads × 32 = 64, SwiGLU 512, vision 96, patches 3·8·8 = 192.
        Assert.Equal([192L, 192], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([64L, 192], shapes["model.layers.3.self_attn.k_proj.weight"]);
        Assert.Equal([64L], shapes["model.layers.3.self_attn.v_proj.bias"]);
        Assert.Equal([192L, 192], shapes["model.layers.0.self_attn.o_proj.weight"]);
        Assert.False(shapes.ContainsKey("model.layers.0.self_attn.o_proj.bias"));
        Assert.Equal([512L, 192], shapes["model.layers.0.mlp.gate_proj.weight"]);
        Assert.Equal([192L, 512], shapes["model.layers.0.mlp.down_proj.weight"]);
        Assert.Equal([192L], shapes["model.layers.0.input_layernorm.weight"]);
        Assert.Equal([192L], shapes["model.norm.weight"]);
        Assert.Equal([(long)info.VocabularySize, 192], shapes["model.embed_tokens.weight"]);
        Assert.Equal([(long)info.VocabularySize, 192], shapes["lm_head.weight"]);
        Assert.Equal([96L, 192], shapes["visual.patch_embed.proj.weight"]);
        Assert.Equal([288L, 96], shapes["visual.blocks.1.attn.qkv.weight"]);
        Assert.Equal([192L, 96], shapes["visual.merger.mlp.2.weight"]);
        Assert.Equal([96L], shapes["visual.merger.ln_q.weight"]);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_and_another_seed_different_ones()
    {
        using var a = TinyModels.Create(seed: 3);
        using var b = TinyModels.Create(seed: 3);
        using var c = TinyModels.Create(seed: 4);
        var pa = a.NamedParameters()[0].Parameter;
        Assert.True(pa.Same(b.NamedParameters()[0].Parameter));
        Assert.False(pa.Same(c.NamedParameters()[0].Parameter));
    }

    [Fact]
    public void Left_padding_does_not_change_the_logits_of_real_tokens()
    {
        using var model = TinyModels.Create();
        using var scope = NewDisposeScope();
        using var batch = TinyModels.Prompts(model, 3);
        using var noGrad = no_grad();
        var batched = model.Forward(batch.Images, batch.InputIds, batch.AttentionMask); // [3,Tp,V]
        long promptLength = batch.InputIds.shape[1];
        for (int row = 0; row < 3; row++)
        {
            long padding = promptLength - batch.AttentionMask[row].sum().item<long>();
            var alone = model.Forward(
                batch.Images.Narrow(row, 1),
                batch.InputIds[row].narrow(0, padding, promptLength - padding).unsqueeze(0),
                batch.AttentionMask[row].narrow(0, padding, promptLength - padding).unsqueeze(0)
            );
            var same = batched[row].narrow(0, padding, promptLength - padding);
            Assert.True(
                same.allclose(alone[0], rtol: 0, atol: 1e-5),
                $"row {row}: max diff {(same - alone[0]).abs().max().item<float>()}"
            );
        }
        Assert.True(batch.AttentionMask[0].sum().item<long>() < promptLength, "row 0 should be left-padded");
    }

    [Fact]
    public void Image_pixels_change_the_logits_through_the_placeholders()
    {
        using var model = TinyModels.Create();
        using var scope = NewDisposeScope();
        using var batch = TinyModels.Prompts(model, 1);
        using var noGrad = no_grad();
        var logits = model.Forward(batch.Images, batch.InputIds, batch.AttentionMask);
        var other = model.Forward(
            batch.Images.WithPixels(1 - batch.Images.Pixels),
            batch.InputIds,
            batch.AttentionMask
        );
        Assert.True((logits - other).abs().max().item<float>() > 1e-3);
        // Without placeholders the model cannot place the image: an error naming the row.
        var noImage = batch.InputIds.masked_fill(batch.InputIds.eq(model.Tokenizer.ImagePadId), 'x');
        var error = Assert.Throws<ArgumentException>(() => model.Forward(batch.Images, noImage, batch.AttentionMask));
        Assert.Contains("Row 0", error.Message);
    }

    [Fact]
    public void Save_then_load_gives_identical_logits()
    {
        string directory = NewDirectory();
        using var model = TinyModels.Create(seed: 5);
        model.Save(directory);
        using var loaded = PolicyModelFactory.Load(directory, CPU);
        Assert.Equal(TinyVlm.FamilyName, loaded.Info.Family);
        using var scope = NewDisposeScope();
        using var batch = TinyModels.Prompts(model, 2);
        using var noGrad = no_grad();
        var expected = model.Forward(batch.Images, batch.InputIds, batch.AttentionMask);
        var actual = loaded.Forward(batch.Images, batch.InputIds, batch.AttentionMask);
        Assert.True(expected.Same(actual));
        Assert.Contains("\"hidden_size\": 32", File.ReadAllText(Path.Combine(directory, "config.json")));
    }

    [Fact]
    public void Loading_a_file_with_a_missing_tensor_names_the_tensor()
    {
        string directory = SavedModelWithEditedWeights(weights => weights.Remove("model.layers.1.mlp.up_proj.weight"));
        var error = Assert.Throws<InvalidDataException>(() => PolicyModelFactory.Load(directory, CPU));
        Assert.Contains("'model.layers.1.mlp.up_proj.weight' is missing", error.Message);
    }

    [Fact]
    public void Loading_a_file_with_a_misshapen_tensor_names_the_tensor_and_both_shapes()
    {
        string directory = SavedModelWithEditedWeights(weights => weights["visual.merger.mlp.0.bias"] = zeros(17));
        var error = Assert.Throws<InvalidDataException>(() => PolicyModelFactory.Load(directory, CPU));
        Assert.Contains("'visual.merger.mlp.0.bias' has shape [17]", error.Message);
        Assert.Contains("expects [16]", error.Message);
    }

    [Fact]
    public void Config_with_an_unknown_key_or_family_is_an_error_naming_it()
    {
        string directory = NewDirectory();
        using (var model = TinyModels.Create())
            model.Save(directory);
        string configPath = Path.Combine(directory, "config.json");
        string json = File.ReadAllText(configPath);
        File.WriteAllText(
            configPath,
            json.Replace("\"layers\":", "\"num_layerz\": 3, \"layers\":", StringComparison.Ordinal)
        );
        var unknownKey = Assert.Throws<InvalidDataException>(() => PolicyModelFactory.Load(directory, CPU));
        Assert.Contains("num_layerz", unknownKey.Message);
        File.WriteAllText(configPath, json.Replace("\"tiny-vlm\"", "\"qwen9\"", StringComparison.Ordinal));
        var family = Assert.Throws<InvalidDataException>(() => PolicyModelFactory.Load(directory, CPU));
        Assert.Contains("'qwen9'", family.Message);
    }

    [Fact]
    public void Config_round_trips_through_json()
    {
        var config = TinyModels.TestConfig;
        var back = JsonSerializer.Deserialize<TinyVlmConfig>(
            JsonSerializer.Serialize(config, TinyVlmConfig.JsonOptions),
            TinyVlmConfig.JsonOptions
        );
        Assert.Equal(config, back);
        var invalid = config with { Heads = 3 };
        var error = Assert.Throws<ArgumentException>(invalid.Validate);
        Assert.Contains("hidden_size", error.Message);
    }

    private string SavedModelWithEditedWeights(Action<Dictionary<string, Tensor>> edit)
    {
        string directory = NewDirectory();
        using (var model = TinyModels.Create())
            model.Save(directory);
        string path = Path.Combine(directory, SafetensorsWeights.FileName);
        var weights = Safetensors.LoadStateDict(path);
        edit(weights);
        Safetensors.SaveStateDict(path, weights);
        foreach (var tensor in weights.Values)
            tensor.Dispose();
        return directory;
    }

    private string NewDirectory() =>
        Directory.CreateDirectory(Path.Combine(root, Guid.NewGuid().ToString("N"))).FullName;
}
