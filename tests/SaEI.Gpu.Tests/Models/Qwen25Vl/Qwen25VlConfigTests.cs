using System.Text.Json.Nodes;
using SaEI.Gpu.Models.Qwen25Vl;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

public sealed class Qwen25VlConfigTests
{
    [Fact]
    public void Case_A_config_reads_every_size_and_id_from_the_file()
    {
        var config = ReferenceCaseA.Config();
        Assert.Equal(
            (300, 48, 4, 2, 2),
            (
                config.VocabSize,
                config.HiddenSize,
                config.NumAttentionHeads,
                config.NumKeyValueHeads,
                config.NumHiddenLayers
            )
        );
        Assert.Equal((290, 288, 289), (config.ImageTokenId, config.VisionStartTokenId, config.VisionEndTokenId));
        Assert.Equal([2, 2, 2], config.MropeSection);
        Assert.Equal(
            (4, 32, 2, 56, 2),
            (
                config.Vision.Depth,
                config.Vision.HiddenSize,
                config.Vision.NumHeads,
                config.Vision.WindowSize,
                config.Vision.MergerWindowSize
            )
        );
        Assert.Equal([1, 3], config.Vision.FullAttentionBlockIndexes);
        Assert.False(config.TieWordEmbeddings);
    }

    [Fact]
    public void A_nested_text_config_wins_over_top_level_fields()
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(ReferenceCaseA.Folder, "config.json")))!.AsObject();
        root["text_config"] = new JsonObject
        {
            ["hidden_size"] = 64,
            ["num_attention_heads"] = 4,
            ["rope_scaling"] = JsonNode.Parse("""{"rope_type":"default","mrope_section":[2,3,3]}"""),
        };
        root["vision_config"]!["out_hidden_size"] = 64;
        var config = Qwen25VlConfig.Parse(root, "nested");
        Assert.Equal(64, config.HiddenSize);
        Assert.Equal([2, 3, 3], config.MropeSection);
    }

    [Theory]
    [InlineData("hidden_size", "47", "num_attention_heads")]
    [InlineData("num_key_value_heads", "3", "num_key_value_heads")]
    [InlineData("image_token_id", "300", "image_token_id")]
    [InlineData("vocab_size", "\"300\"", "vocab_size")]
    public void A_config_that_does_not_fit_together_names_the_key(string key, string json, string named)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(ReferenceCaseA.Folder, "config.json")))!.AsObject();
        root[key] = JsonNode.Parse(json);
        var error = Assert.Throws<InvalidDataException>(() => Qwen25VlConfig.Parse(root, "bad.json"));
        Assert.Contains(named, error.Message);
        Assert.Contains("bad.json", error.Message);
    }

    [Fact]
    public void A_missing_mrope_section_is_refused()
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(ReferenceCaseA.Folder, "config.json")))!.AsObject();
        root["rope_scaling"] = JsonNode.Parse("""{"type":"mrope"}""");
        var error = Assert.Throws<InvalidDataException>(() => Qwen25VlConfig.Parse(root, "bad.json"));
        Assert.Contains("mrope_section", error.Message);
    }
}
