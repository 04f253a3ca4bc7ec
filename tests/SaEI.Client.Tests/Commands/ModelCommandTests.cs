using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Tokenization;
using SaEI.Gpu.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SaEI.Client.Tests.Commands;

/// <summary>
/// Issue 12: `saei model dump` and `saei model init` in process. Case A (tests/data/qwen25vl, Hugging Face's numbers)
/// through the dump verb on every key within the README's tolerances, with and without the KV cache, and in bfloat16;
/// the committed tiny config through init into a folder that opens as a policy; corrupt folders from init refused
/// with one clear error.
/// </summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("saei-model-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                    return dir.FullName;
            throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
        }
    }

    private static string CaseA => Path.Combine(Root, "tests", "data", "qwen25vl", "A");

    private static string ExampleConfig => Path.Combine(Root, "examples", "models", "qwen25vl-tiny.json");

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var result = Foundation.Cli.Run(["model", .. args]);
        return (result.Code, result.Output, result.Error);
    }

    private string Init(string name, params string[] extra)
    {
        string directory = Path.Combine(folder, name);
        var (code, output, error) = Run([
            "init",
            "--family",
            "qwen2.5-vl",
            "--config",
            ExampleConfig,
            "--out",
            directory,
            .. extra,
        ]);
        Assert.True(code == 0, $"model init failed ({code}): {error}");
        Assert.Contains("qwen2.5-vl", output, StringComparison.Ordinal);
        return directory;
    }

    private Dictionary<string, Tensor> Dump(params string[] extra)
    {
        string path = Path.Combine(folder, $"dump-{Guid.NewGuid():N}.safetensors");
        var (code, output, error) = Run([
            "dump",
            "--model",
            CaseA,
            "--case",
            Path.Combine(CaseA, "case.json"),
            "--out",
            path,
            .. extra,
        ]);
        Assert.True(code == 0, $"model dump failed ({code}): {error}");
        Assert.StartsWith($"saei model dump: 28 keys → {path}; greedy tokens [[", output, StringComparison.Ordinal);
        return SafetensorsBytes.Read(File.ReadAllBytes(path), path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dump_reproduces_case_A_on_every_key(bool noKvCache)
    {
        var expected = Safetensors.LoadStateDict(Path.Combine(CaseA, "expected.safetensors"));
        var dump = Dump(noKvCache ? ["--no-kv-cache"] : []);
        try
        {
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), dump.Keys.Order(StringComparer.Ordinal));
            var problems = ModelDump.Compare(expected, dump);
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            foreach (var tensor in dump.Values.Concat(expected.Values))
                tensor.Dispose();
        }
    }

    [Fact]
    public void Dump_in_bfloat16_keeps_the_greedy_tokens()
    {
        var expected = Safetensors.LoadStateDict(Path.Combine(CaseA, "expected.safetensors"));
        var dump = Dump("--dtype", "bf16");
        try
        {
            Assert.Equal(expected["gen.tokens"].data<long>().ToArray(), dump["gen.tokens"].data<long>().ToArray());
            Assert.Equal(ScalarType.Float32, dump["logits"].dtype);
            // bfloat16 moves the logits by ~1e-2: near, not equal (float32 is within 5e-5), so the dtype was really
            // used.
            using var difference = dump["gen.step_logits"].sub(expected["gen.step_logits"]).abs().max();
            Assert.InRange(difference.item<float>(), 1e-5f, 0.1f);
        }
        finally
        {
            foreach (var tensor in dump.Values.Concat(expected.Values))
                tensor.Dispose();
        }
    }

    [Fact]
    public void Init_writes_a_folder_that_opens_as_a_policy_with_the_configs_token_ids_and_runs_a_mixed_size_batch()
    {
        string directory = Init("tiny", "--seed", "7");
        var config = Qwen25VlConfig.Load(ExampleConfig);
        using var policy = Assert.IsType<Qwen25VlPolicy>(PolicyModelFactory.Load(directory, CPU));
        Assert.Equal(config.ImageTokenId, policy.ChatTokenizer.ImagePadId);
        Assert.Equal(config.EosTokenIds[0], policy.ChatTokenizer.EndOfSequenceId);
        Assert.Equal(config.BosTokenId, policy.ChatTokenizer.PadId);
        Assert.True(
            policy.ChatTokenizer.Tokenizer.TryGetAddedTokenId(QwenChatTokenizer.VisionStart, out int start)
                && start == config.VisionStartTokenId
        );
        Assert.True(
            policy.ChatTokenizer.Tokenizer.TryGetAddedTokenId(QwenChatTokenizer.VisionEnd, out int end)
                && end == config.VisionEndTokenId
        );
        Assert.True(
            policy.ChatTokenizer.Tokenizer.TryGetAddedTokenId(QwenChatTokenizer.ImStart, out int imStart)
                && imStart == config.BosTokenId + 1
        );

        // Two prompts, images of two sizes (4 and 12 image tokens), left-padded into one batch.
        using var scope = NewDisposeScope();
        policy.SetTraining(false);
        using var generator = new Generator(11, CPU);
        Tensor[] images = [rand([3, 56, 56], generator: generator), rand([3, 84, 112], generator: generator)];
        int[][] prompts =
        [
            .. images.Select(
                (image, i) =>
                    policy.ChatTokenizer.BuildPrompt(
                        $"What is {i} + {i}?",
                        policy.ImageTokenCount(new ImageSize((int)image.shape[1], (int)image.shape[2]))
                    )
            ),
        ];
        Assert.Equal([4, 12], prompts.Select(p => p.Count(id => id == config.ImageTokenId)));
        int length = prompts.Max(p => p.Length);
        long[] ids =
        [
            .. prompts.SelectMany(p =>
                Enumerable.Repeat((long)policy.ChatTokenizer.PadId, length - p.Length).Concat(p.Select(id => (long)id))
            ),
        ];
        long[] mask =
        [
            .. prompts.SelectMany(p =>
                Enumerable.Repeat(0L, length - p.Length).Concat(Enumerable.Repeat(1L, p.Length))
            ),
        ];
        using var batch = ImageBatch.Pack(images, CPU);
        Tensor logits;
        using (no_grad())
            logits = policy.Forward(batch, tensor(ids, [2, length]), tensor(mask, [2, length])); // [2,T,V]
        Assert.Equal([2L, length, config.VocabSize], logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());

        // Row 0 alone gives the same logits on its own tokens: the batch and its padding do not leak into a row.
        int own = prompts[0].Length;
        using var single = ImageBatch.Pack([images[0]], CPU);
        Tensor alone;
        using (no_grad())
            alone = policy.Forward(
                single,
                tensor(prompts[0].Select(id => (long)id).ToArray(), [1, own]),
                ones([1, own], ScalarType.Int64)
            );
        double gap = logits[0].narrow(0, length - own, own).sub(alone[0]).abs().max().item<float>();
        Assert.True(gap < 1e-4, $"row 0 in the batch differs from row 0 alone by {gap:G3}");
    }

    [Fact]
    public void Init_is_deterministic_in_the_seed()
    {
        string first = Init("a", "--seed", "3"),
            second = Init("b", "--seed", "3"),
            other = Init("c", "--seed", "4");
        string[] files = [.. Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Contains("tokenizer.json", files);
        Assert.Equal(files, Directory.GetFiles(second).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string file in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(second, file)));
        Assert.NotEqual(
            File.ReadAllBytes(Path.Combine(first, "model.safetensors")),
            File.ReadAllBytes(Path.Combine(other, "model.safetensors"))
        );
    }

    [Fact]
    public void Init_refuses_a_used_folder_a_small_vocabulary_and_an_unknown_family()
    {
        string used = Init("used");
        var again = Run("init", "--family", "qwen2.5-vl", "--config", ExampleConfig, "--out", used);
        Assert.Equal(1, again.Code);
        Assert.Contains("is not empty", again.Error, StringComparison.Ordinal);

        var json = JsonNode.Parse(File.ReadAllText(ExampleConfig))!.AsObject();
        json["vocab_size"] = 265;
        foreach (
            string key in (string[])
                [
                    "bos_token_id",
                    "eos_token_id",
                    "vision_start_token_id",
                    "vision_end_token_id",
                    "image_token_id",
                    "video_token_id",
                ]
        )
            json[key] = json[key]!.GetValue<int>() - 50;
        string small = Path.Combine(folder, "small.json");
        File.WriteAllText(small, json.ToJsonString());
        var refused = Run("init", "--family", "qwen2.5-vl", "--config", small, "--out", Path.Combine(folder, "small"));
        Assert.Equal(1, refused.Code);
        Assert.Contains($"{small}: vocab_size 265", refused.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, "small")), "nothing is written for a refused config");

        var unknown = Run("init", "--family", "llama", "--config", ExampleConfig, "--out", Path.Combine(folder, "x"));
        Assert.Equal(2, unknown.Code); // a value the option does not take: a usage error
        Assert.Contains("tiny-vlm, qwen2.5-vl", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, Run("init", "--family", "qwen2.5-vl", "--config", ExampleConfig).Code); // --out missing
        Assert.Equal(2, Run("frobnicate").Code);
    }

    [Fact]
    public void Init_tiny_vlm_writes_a_folder_the_factory_opens_and_dump_refuses_it()
    {
        string config = Path.Combine(folder, "tiny-vlm.json");
        File.WriteAllText(config, "{}"); // TinyVlmConfig's defaults
        string directory = Path.Combine(folder, "tiny-vlm");
        var (code, output, error) = Run(
            "init",
            "--family",
            "tiny-vlm",
            "--config",
            config,
            "--out",
            directory,
            "--seed",
            "5"
        );
        Assert.True(code == 0, error);
        Assert.Contains("tiny-vlm", output, StringComparison.Ordinal);
        using (var policy = PolicyModelFactory.Load(directory, CPU))
            Assert.Equal("tiny-vlm", policy.Info.Family);

        var dump = Run(
            "dump",
            "--model",
            directory,
            "--case",
            Path.Combine(CaseA, "case.json"),
            "--out",
            Path.Combine(folder, "t.safetensors")
        );
        Assert.Equal(1, dump.Code);
        Assert.Contains("model_type is '(missing)'", dump.Error, StringComparison.Ordinal);
    }

    public static TheoryData<string> Corruptions() =>
        new()
        {
            "truncated shard",
            "tensor renamed in the index",
            "config disagrees with a shape",
            "tokenizer image_pad id",
        };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_folder_from_init_fails_the_policy_load_with_one_error_naming_the_file(string corruption)
    {
        string directory = Init("corrupt", "--max-shard-mb", "0.3");
        string[] shards = [.. Directory.GetFiles(directory, "model-*-of-*.safetensors").Order(StringComparer.Ordinal)];
        Assert.True(
            shards.Length >= 2,
            $"the example checkpoint should be sharded at 0.3 MB; got {shards.Length} shard(s)"
        );
        string index = Path.Combine(directory, SafetensorsIndex.FileName);
        string expectedFile,
            expectedTensor;
        switch (corruption)
        {
            case "truncated shard":
                byte[] bytes = File.ReadAllBytes(shards[^1]);
                File.WriteAllBytes(shards[^1], bytes[..^100]);
                (expectedFile, expectedTensor) = (Path.GetFileName(shards[^1]), "");
                break;
            case "tensor renamed in the index":
                var indexJson = JsonNode.Parse(File.ReadAllText(index))!.AsObject();
                var map = indexJson["weight_map"]!.AsObject();
                var shard = map["model.norm.weight"]!.GetValue<string>();
                map.Remove("model.norm.weight");
                map["model.norm.weights"] = shard;
                File.WriteAllText(index, indexJson.ToJsonString());
                (expectedFile, expectedTensor) = (SafetensorsIndex.FileName, "model.norm.weight");
                break;
            case "config disagrees with a shape":
                string configPath = Path.Combine(directory, "config.json");
                var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
                config["intermediate_size"] = 96;
                File.WriteAllText(configPath, config.ToJsonString());
                (expectedFile, expectedTensor) = (".safetensors", "mlp.");
                break;
            default:
                var layout = new Dictionary<string, int>(
                    Qwen25VlTinyTokenizer.SpecialTokenIds(Qwen25VlConfig.Load(ExampleConfig), ExampleConfig)
                );
                (layout[QwenChatTokenizer.ImagePad], layout["<|box_start|>"]) = (
                    layout["<|box_start|>"],
                    layout[QwenChatTokenizer.ImagePad]
                );
                File.Delete(Path.Combine(directory, "tokenizer.json"));
                TinyTokenizerJsonWriter.Write(Path.Combine(directory, "tokenizer.json"), layout);
                (expectedFile, expectedTensor) = ("tokenizer.json", "<|image_pad|>");
                break;
        }
        var error = Assert.Throws<InvalidDataException>(() => PolicyModelFactory.Load(directory, CPU).Dispose());
        Assert.Contains(expectedFile, error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedTensor, error.Message, StringComparison.Ordinal);

        // The dump verb (no tokenizer needed) reports the weight problems the same way, as exit 1.
        if (corruption != "tokenizer image_pad id")
        {
            var (code, _, message) = Run(
                "dump",
                "--model",
                directory,
                "--case",
                Path.Combine(CaseA, "case.json"),
                "--out",
                Path.Combine(folder, "x.safetensors")
            );
            Assert.Equal(1, code);
            Assert.Contains(expectedFile, message, StringComparison.Ordinal);
        }
    }
}
