using System.Text.Json;
using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Tasks.Synthetic;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>How <see cref="Qwen25VlRandomCheckpoint"/> writes a checkpoint.</summary>
public sealed record Qwen25VlRandomCheckpointOptions
{
    /// <summary>Seed of every weight; the same config and seed give the same bytes. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Stored dtype: BFloat16 (default, as published), Float16 or Float32.</summary>
    public ScalarType DType { get; init; } = ScalarType.BFloat16;

    /// <summary>Largest shard in bytes; default 5 GB as transformers' save_pretrained.</summary>
    public long MaxShardBytes { get; init; } = 5_000_000_000;
}

/// <summary>
/// A random Qwen2.5-VL checkpoint folder in the official layout, for tests and CPU demos (`saei model init`):
/// config.json, model.safetensors or shards + model.safetensors.index.json, generation_config.json and
/// preprocessor_config.json (docs/qwen25vl.md §1.1 defaults).
/// Weights as Hugging Face's _init_weights: N(0, initializer_range) for Linear/Conv3d/Embedding weights, 0 for biases,
/// 1 for RMSNorm weights.
/// Decisions:
/// 1. Generated tensor by tensor from <see cref="Qwen25VlTensorTable"/> while the writer streams (no model in memory).
/// 2. Tensor i draws from its own CPU generator seeded by SplitMix64(seed, i): values depend only on (config, seed,
///    position in the table), never on shard size or dtype (beyond the final rounding).
/// 3. A config given as a file is copied byte for byte; a config object is written in the flat published layout.
/// 4. generation_config.json: the published sampling values; ids from the config (pad = bos, eos = config eos + bos).
/// </summary>
public static class Qwen25VlRandomCheckpoint
{
    /// <summary>Reads <paramref name="configPath"/>, copies it as config.json and writes the random weights.</summary>
    public static IReadOnlyList<string> Write(
        string configPath,
        string directory,
        Qwen25VlRandomCheckpointOptions? options = null
    )
    {
        var config = Qwen25VlConfig.Load(configPath);
        CheckpointWriter.RequireNoCheckpoint(directory);
        Directory.CreateDirectory(directory);
        string target = Path.Combine(directory, "config.json");
        if (!string.Equals(Path.GetFullPath(configPath), Path.GetFullPath(target), StringComparison.Ordinal))
            File.Copy(configPath, target, overwrite: true);
        return WriteFiles(config, directory, options ?? new());
    }

    /// <summary>
    /// A whole policy folder (<c>saei model init</c>, tests, benchmarks): <see cref="Write(string, string,
    /// Qwen25VlRandomCheckpointOptions?)"/> plus the byte-level tokenizer.json of <see cref="Qwen25VlTinyTokenizer"/>
    /// at the config's ids, so <see cref="Qwen25VlPolicy.Load"/> opens it. A config the tokenizer cannot serve is
    /// refused before a file is written.
    /// </summary>
    public static IReadOnlyList<string> WriteWithTokenizer(
        string configPath,
        string directory,
        Qwen25VlRandomCheckpointOptions? options = null
    )
    {
        var config = Qwen25VlConfig.Load(configPath);
        Qwen25VlTinyTokenizer.SpecialTokenIds(config, configPath);
        return [.. Write(configPath, directory, options), Qwen25VlTinyTokenizer.Write(config, directory, configPath)];
    }

    /// <summary>Writes config.json from <paramref name="config"/>, then the rest of the folder.</summary>
    public static IReadOnlyList<string> Write(
        Qwen25VlConfig config,
        string directory,
        Qwen25VlRandomCheckpointOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new();
        CheckpointWriter.RequireNoCheckpoint(directory);
        Directory.CreateDirectory(directory);
        WriteJson(Path.Combine(directory, "config.json"), ConfigJson(config, options.DType));
        return WriteFiles(config, directory, options);
    }

    /// <summary>The value of one table tensor (float32); exposed so tests can check a written checkpoint.</summary>
    public static Tensor Generate(Qwen25VlConfig config, Qwen25VlTensor tensor, int index, long seed)
    {
        using var scope = NewDisposeScope();
        var value = tensor.Role switch
        {
            Qwen25VlTensorRole.Bias => zeros(tensor.Shape, ScalarType.Float32),
            Qwen25VlTensorRole.Norm => ones(tensor.Shape, ScalarType.Float32),
            _ => Normal(tensor.Shape, config.InitializerRange, SplitMix64.Derive((ulong)seed, (ulong)index)),
        };
        return value.MoveToOuterDisposeScope();
    }

    private static Tensor Normal(long[] shape, double std, ulong seed)
    {
        using var generator = new Generator(seed, CPU);
        return empty(shape, ScalarType.Float32).normal_(0, std, generator);
    }

    private static IReadOnlyList<string> WriteFiles(
        Qwen25VlConfig config,
        string directory,
        Qwen25VlRandomCheckpointOptions options
    )
    {
        var table = Qwen25VlTensorTable.Build(config);
        var positions = table.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var writeOptions = new CheckpointWriteOptions { DType = options.DType, MaxShardBytes = options.MaxShardBytes };
        var files = CheckpointWriter
            .Write(
                directory,
                [.. table.Select(t => t.Spec)],
                spec => Generate(config, table[positions[spec.Name]], positions[spec.Name], options.Seed),
                writeOptions
            )
            .ToList();
        string generation = Path.Combine(directory, "generation_config.json"),
            preprocessor = Path.Combine(directory, "preprocessor_config.json");
        WriteJson(generation, GenerationConfigJson(config));
        WriteJson(preprocessor, PreprocessorConfigJson(config));
        return [Path.Combine(directory, "config.json"), .. files, generation, preprocessor];
    }

    private static JsonObject ConfigJson(Qwen25VlConfig config, ScalarType dtype)
    {
        var vision = config.Vision;
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2_5_VLForConditionalGeneration"),
            ["model_type"] = Qwen25VlConfig.ModelType,
            ["torch_dtype"] = dtype switch
            {
                ScalarType.BFloat16 => "bfloat16",
                ScalarType.Float16 => "float16",
                _ => "float32",
            },
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["rope_scaling"] = new JsonObject
            {
                ["type"] = "mrope",
                ["mrope_section"] = new JsonArray([.. config.MropeSection.Select(s => (JsonNode)s)]),
            },
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["initializer_range"] = config.InitializerRange,
            ["use_sliding_window"] = false,
            ["image_token_id"] = config.ImageTokenId,
            ["vision_start_token_id"] = config.VisionStartTokenId,
            ["vision_end_token_id"] = config.VisionEndTokenId,
            ["vision_config"] = new JsonObject
            {
                ["depth"] = vision.Depth,
                ["hidden_size"] = vision.HiddenSize,
                ["intermediate_size"] = vision.IntermediateSize,
                ["num_heads"] = vision.NumHeads,
                ["in_chans"] = vision.InChannels,
                ["out_hidden_size"] = vision.OutHiddenSize,
                ["patch_size"] = vision.PatchSize,
                ["spatial_patch_size"] = vision.PatchSize,
                ["spatial_merge_size"] = vision.SpatialMergeSize,
                ["temporal_patch_size"] = vision.TemporalPatchSize,
                ["window_size"] = vision.WindowSize,
                ["fullatt_block_indexes"] = new JsonArray([
                    .. vision.FullAttentionBlockIndexes.Select(i => (JsonNode)i),
                ]),
                ["hidden_act"] = "silu",
            },
        };
        if (config.VideoTokenId is { } video)
            json["video_token_id"] = video;
        if (config.BosTokenId is { } bos)
            json["bos_token_id"] = bos;
        if (config.EosTokenIds.Length == 1)
            json["eos_token_id"] = config.EosTokenIds[0];
        else if (config.EosTokenIds.Length > 1)
            json["eos_token_id"] = new JsonArray([.. config.EosTokenIds.Select(i => (JsonNode)i)]);
        return json;
    }

    private static JsonObject GenerationConfigJson(Qwen25VlConfig config)
    {
        int[] eos = [.. config.EosTokenIds.Concat(config.BosTokenId is { } b ? [b] : []).Distinct()];
        var json = new JsonObject
        {
            ["do_sample"] = true,
            ["repetition_penalty"] = 1.05,
            ["temperature"] = 0.1,
            ["top_k"] = 1,
            ["top_p"] = 0.001,
            ["eos_token_id"] = new JsonArray([.. eos.Select(i => (JsonNode)i)]),
        };
        if (config.BosTokenId is { } bos)
        {
            json["bos_token_id"] = bos;
            json["pad_token_id"] = bos;
        }
        return json;
    }

    private static JsonObject PreprocessorConfigJson(Qwen25VlConfig config) =>
        new()
        {
            ["image_processor_type"] = "Qwen2VLImageProcessor",
            ["processor_class"] = "Qwen2_5_VLProcessor",
            ["min_pixels"] = 3136,
            ["max_pixels"] = 12845056,
            ["patch_size"] = config.Vision.PatchSize,
            ["temporal_patch_size"] = config.Vision.TemporalPatchSize,
            ["merge_size"] = config.Vision.SpatialMergeSize,
            ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
            ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
            ["do_resize"] = true,
            ["do_rescale"] = true,
            ["rescale_factor"] = 1.0 / 255,
            ["do_normalize"] = true,
            ["do_convert_rgb"] = true,
            ["resample"] = 3,
        };

    private static void WriteJson(string path, JsonObject json) =>
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
