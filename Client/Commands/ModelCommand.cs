using System.Globalization;
using System.Text.Json;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei model init` and `saei model dump`: the two model tools of issue 12.
/// <code>
/// init --family qwen2.5-vl --config CONFIG.json --out DIR [--seed N] [--dtype f32|bf16] [--max-shard-mb N]
///      a random checkpoint in the official layout (Qwen25VlRandomCheckpoint) + a byte-level tokenizer.json whose
///      special tokens sit at the config's ids (Qwen25VlTinyTokenizer): a folder PolicyModelFactory.Load opens.
/// init --family tiny-vlm --config TINY.json --out DIR [--seed N]     TinyVlm's own folder
/// dump --model DIR --case CASE.json --out OUT.safetensors [--no-kv-cache] [--dtype f32|bf16]
///      the keys of tests/data/qwen25vl/A/expected.safetensors for the case (ModelDump), float32/int64.
/// </code>
/// Decisions:
/// 1. init refuses a non-empty --out folder: a checkpoint is never written over or mixed with another.
/// 2. init writes float32 weights by default (tests and CPU demos compare exact numbers); --dtype bf16 writes the
///    published storage type. dump computes in float32 by default; --dtype bf16 runs the model in bfloat16.
/// 3. Every problem with the inputs (a config that breaks an invariant, a vocabulary too small for the tokenizer, a
///    corrupt checkpoint, a bad case file) is exit 1 with a message that names the file; a bad command line is exit 2.
/// </summary>
public static class ModelCommand
{
    public const string Usage =
        "usage: saei model init --family qwen2.5-vl|tiny-vlm --config CONFIG.json --out DIR [--seed N] [--dtype f32|bf16] [--max-shard-mb N]\n" +
        "       saei model dump --model DIR --case CASE.json --out OUT.safetensors [--no-kv-cache] [--dtype f32|bf16]";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        try
        {
            string verb = args.Count > 0 ? args[0] : throw new UsageException($"missing 'init' or 'dump'. {Usage}");
            return verb switch
            {
                "init" => Init(args.Skip(1).ToList(), output),
                "dump" => Dump(args.Skip(1).ToList(), output),
                _ => throw new UsageException($"unknown 'model {verb}'; expected 'init' or 'dump'. {Usage}"),
            };
        }
        catch (UserFacingException e)
        {
            error.WriteLine($"saei model: {e.Message}");
            return e is UsageException ? 2 : 1;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or JsonException or ArgumentException)
        {
            error.WriteLine($"saei model: {e.Message}");
            return 1;
        }
    }

    private static int Init(IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = new VerbArguments(args, Usage, ["--family", "--config", "--out", "--seed", "--dtype", "--max-shard-mb"], []);
        NoPositionals(arguments);
        string family = Required(arguments, "--family");
        string configPath = Required(arguments, "--config");
        string directory = Required(arguments, "--out");
        long seed = Seed(arguments);
        if (!File.Exists(configPath)) throw new UserFacingException($"--config {configPath} does not exist; pass a config.json.");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new UserFacingException($"--out {directory} is not empty; model init writes a new checkpoint into an empty or new folder.");
        TorchRuntime.Initialize(Math.Max(1, Environment.ProcessorCount));
        return family switch
        {
            Qwen25VlPolicy.FamilyName => InitQwen(arguments, configPath, directory, seed, output),
            TinyVlm.FamilyName => InitTiny(arguments, configPath, directory, seed, output),
            _ => throw new UserFacingException($"--family '{family}' is not supported; expected one of: {string.Join(", ", PolicyModelFactory.Families)}."),
        };
    }

    private static int InitQwen(VerbArguments arguments, string configPath, string directory, long seed, TextWriter output)
    {
        var config = Qwen25VlConfig.Load(configPath);
        var options = new Qwen25VlRandomCheckpointOptions { Seed = seed, DType = DType(arguments) ?? ScalarType.Float32 };
        if (arguments.Option("--max-shard-mb") is { } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double megabytes) || !(megabytes > 0) || megabytes > 1e7)
                throw new UserFacingException($"option '--max-shard-mb' is '{text}'; give a positive size in MB (fractions allowed, e.g. 0.2).");
            options = options with { MaxShardBytes = (long)(megabytes * 1_000_000) };
        }
        var files = Qwen25VlRandomCheckpoint.WriteWithTokenizer(configPath, directory, options);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"saei model init: {directory}: qwen2.5-vl, {Qwen25VlTensorTable.ParameterCount(config):N0} parameters, seed {seed}, {files.Count} files ({string.Join(", ", files.Select(Path.GetFileName))})"));
        return 0;
    }

    private static int InitTiny(VerbArguments arguments, string configPath, string directory, long seed, TextWriter output)
    {
        if (arguments.Option("--dtype") is not null || arguments.Option("--max-shard-mb") is not null)
            throw new UsageException($"--dtype and --max-shard-mb apply to qwen2.5-vl; a tiny-vlm folder is one float32 file. {Usage}");
        var config = TinyVlmConfig.Load(configPath);
        using var model = PolicyModelFactory.CreateTiny(config, seed, CPU);
        Directory.CreateDirectory(directory);
        model.Save(directory);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"saei model init: {directory}: tiny-vlm, {model.Info.ParameterCount:N0} parameters, seed {seed}"));
        return 0;
    }

    private static int Dump(IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = new VerbArguments(args, Usage, ["--model", "--case", "--out", "--dtype"], ["--no-kv-cache"]);
        NoPositionals(arguments);
        string modelDirectory = Required(arguments, "--model");
        string casePath = Required(arguments, "--case");
        string outPath = Required(arguments, "--out");
        var dtype = DType(arguments) ?? ScalarType.Float32;
        RequireQwen(modelDirectory);
        TorchRuntime.Initialize(Math.Max(1, Environment.ProcessorCount));
        using var modelCase = ModelCase.Load(casePath);
        using var model = Qwen25VlModel.Load(modelDirectory, CPU, dtype);
        model.eval();
        var tensors = ModelDump.Run(model, modelCase, useKvCache: !arguments.Has("--no-kv-cache"));
        try
        {
            ModelDump.Write(outPath, tensors);
            string tokens = tensors.TryGetValue("gen.tokens", out var generated)
                ? "[" + string.Join(", ", Enumerable.Range(0, (int)generated.shape[0]).Select(row => "[" + string.Join(", ", generated[row].data<long>().ToArray()) + "]")) + "]"
                : "(none: num_new_tokens is 0)";
            output.WriteLine($"saei model dump: {tensors.Count} keys → {outPath}; greedy tokens {tokens}");
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
        return 0;
    }

    /// <summary>dump runs Qwen2.5-VL only: another family's folder gets that said, not a missing-key error.</summary>
    private static void RequireQwen(string modelDirectory)
    {
        string configPath = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(configPath)) throw new UserFacingException($"--model {modelDirectory} has no config.json; pass a Qwen2.5-VL checkpoint folder.");
        using var document = JsonDocument.Parse(File.ReadAllText(configPath));
        string? modelType = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("model_type", out var value)
            && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (modelType != Qwen25VlConfig.ModelType)
            throw new UserFacingException(
                $"{configPath}: model_type is '{modelType ?? "(missing)"}'; model dump runs Hugging Face Qwen2.5-VL checkpoints (model_type '{Qwen25VlConfig.ModelType}').");
    }

    private static void NoPositionals(VerbArguments arguments)
    {
        if (arguments.Positionals.Count > 0) throw new UsageException($"unexpected argument '{arguments.Positionals[0]}'. {Usage}");
    }

    private static string Required(VerbArguments arguments, string name) =>
        arguments.Option(name) ?? throw new UsageException($"{name} is required. {Usage}");

    private static long Seed(VerbArguments arguments) => arguments.Option("--seed") is not { } text ? 0
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed) && seed >= 0 ? seed
        : throw new UserFacingException($"option '--seed' is '{text}'; give a whole number ≥ 0.");

    private static ScalarType? DType(VerbArguments arguments) => arguments.Option("--dtype") switch
    {
        null => null,
        "f32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        var other => throw new UserFacingException($"option '--dtype' is '{other}'; give f32 or bf16."),
    };
}
