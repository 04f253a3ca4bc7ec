using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tests.Checkpoints;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

public sealed class Qwen25VlRandomCheckpointTests
{
    public Qwen25VlRandomCheckpointTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void A_random_checkpoint_is_an_official_folder_that_loads_against_its_own_table()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        string configPath = Path.Combine(ReferenceCaseA.Folder, "config.json");
        var files = Qwen25VlRandomCheckpoint.Write(
            configPath,
            folder.Path,
            new Qwen25VlRandomCheckpointOptions { Seed = 5, MaxShardBytes = 40_000 }
        );

        var names = files.Select(Path.GetFileName).ToList();
        Assert.Contains("config.json", names);
        Assert.Contains("generation_config.json", names);
        Assert.Contains("preprocessor_config.json", names);
        Assert.Contains(SafetensorsIndex.FileName, names);
        int shards = names.Count(n => n!.StartsWith("model-", StringComparison.Ordinal));
        Assert.True(shards >= 3, $"expected several shards at 40 kB, got {shards}");
        Assert.Contains($"model-00001-of-{shards:D5}.safetensors", names);
        Assert.Equal(File.ReadAllBytes(configPath), File.ReadAllBytes(folder.File("config.json")));

        var config = Qwen25VlConfig.Load(folder.File("config.json"));
        var table = Qwen25VlTensorTable.Build(config);
        var targets = table.ToDictionary(t => t.Name, t => zeros(t.Shape, ScalarType.Float32));
        var opened = CheckpointLoader.Load(folder.Path, targets);
        Assert.All(opened.Tensors.Values, t => Assert.Equal("BF16", t.Entry.DType.Name));

        // HF init: N(0, 0.02) weights, zero biases, unit norms; values are the generator's, rounded to BF16.
        for (int i = 0; i < table.Count; i++)
        {
            var expected = Qwen25VlRandomCheckpoint
                .Generate(config, table[i], i, seed: 5)
                .to_type(ScalarType.BFloat16)
                .to_type(ScalarType.Float32);
            Assert.Equal(expected.bytes.ToArray(), targets[table[i].Name].bytes.ToArray());
        }
        Assert.Equal(0, targets["model.layers.1.self_attn.q_proj.bias"].abs().sum().item<float>());
        Assert.Equal(1, targets["visual.merger.ln_q.weight"].mean().item<float>());
        var embeddings = targets["model.embed_tokens.weight"]; // 14,400 values
        Assert.InRange(embeddings.std().item<float>(), 0.019, 0.021);
        Assert.InRange(embeddings.mean().item<float>(), -0.001, 0.001);
    }

    [Fact]
    public void The_same_seed_gives_the_same_bytes_and_another_seed_other_weights()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var config = ReferenceCaseA.Config();
        foreach (var (name, seed) in new[] { ("a", 1L), ("b", 1L), ("c", 2L) })
            Qwen25VlRandomCheckpoint.Write(
                config,
                folder.File(name),
                new Qwen25VlRandomCheckpointOptions { Seed = seed, DType = ScalarType.Float32 }
            );
        byte[] a = File.ReadAllBytes(Path.Combine(folder.File("a"), CheckpointFolder.SingleFileName));
        Assert.Equal(a, File.ReadAllBytes(Path.Combine(folder.File("b"), CheckpointFolder.SingleFileName)));
        Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(folder.File("c"), CheckpointFolder.SingleFileName)));
    }

    [Fact]
    public void A_serialised_config_reads_back_to_the_same_sizes_and_the_side_files_hold_the_defaults()
    {
        using var folder = new TempFolder();
        var config = ReferenceCaseA.Config() with { TieWordEmbeddings = true };
        Qwen25VlRandomCheckpoint.Write(
            config,
            folder.Path,
            new Qwen25VlRandomCheckpointOptions { DType = ScalarType.Float16 }
        );
        var read = Qwen25VlConfig.Load(folder.File("config.json"));
        Assert.Equal(
            Qwen25VlTensorTable.Shapes(config).OrderBy(p => p.Key),
            Qwen25VlTensorTable.Shapes(read).OrderBy(p => p.Key)
        );
        Assert.Equal(
            (config.VocabSize, config.RmsNormEps, config.RopeTheta, config.ImageTokenId, config.BosTokenId, true),
            (
                read.VocabSize,
                read.RmsNormEps,
                read.RopeTheta,
                read.ImageTokenId,
                read.BosTokenId,
                read.TieWordEmbeddings
            )
        );
        Assert.Equal(config.MropeSection, read.MropeSection);
        Assert.Equal(config.Vision.FullAttentionBlockIndexes, read.Vision.FullAttentionBlockIndexes);
        Assert.Equal(
            config.Vision with
            {
                FullAttentionBlockIndexes = [],
            },
            read.Vision with
            {
                FullAttentionBlockIndexes = [],
            }
        );

        var preprocessor = JsonNode.Parse(File.ReadAllText(folder.File("preprocessor_config.json")))!;
        Assert.Equal(3136, preprocessor["min_pixels"]!.GetValue<int>());
        Assert.Equal(12845056, preprocessor["max_pixels"]!.GetValue<int>());
        Assert.Equal(0.48145466, preprocessor["image_mean"]![0]!.GetValue<double>());
        var generation = JsonNode.Parse(File.ReadAllText(folder.File("generation_config.json")))!;
        // config eos, then bos
        Assert.Equal([298, 297], generation["eos_token_id"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(297, generation["pad_token_id"]!.GetValue<int>());
        Assert.Equal("F16", CheckpointFolder.Open(folder.Path).Tensors["model.norm.weight"].Entry.DType.Name);
        Assert.DoesNotContain("lm_head.weight", CheckpointFolder.Open(folder.Path).Tensors.Keys);
    }

    [Fact]
    public void A_folder_that_already_holds_weights_is_refused_before_config_json_is_touched()
    {
        using var folder = new TempFolder();
        var config = ReferenceCaseA.Config();
        Qwen25VlRandomCheckpoint.Write(
            config,
            folder.Path,
            new Qwen25VlRandomCheckpointOptions { DType = ScalarType.Float32 }
        );
        File.WriteAllText(folder.File("config.json"), "{}");
        var error = Assert.Throws<IOException>(() =>
            Qwen25VlRandomCheckpoint.Write(Path.Combine(ReferenceCaseA.Folder, "config.json"), folder.Path)
        );
        Assert.Contains("already holds a checkpoint", error.Message);
        Assert.Equal("{}", File.ReadAllText(folder.File("config.json")));
    }
}
