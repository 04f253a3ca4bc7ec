using System.CommandLine;
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
    public static Command Create() =>
        new("model", "Model tools: a random checkpoint folder (init), a reference dump (dump).")
        {
            InitCommand(),
            DumpCommand(),
        };

    private static readonly string[] DTypes = ["f32", "bf16", "float32", "bfloat16"];

    private static Command InitCommand()
    {
        var family = VerbOptions.OneOf("--family", "The model family.", PolicyModelFactory.Families, required: true);
        var config = VerbOptions.RequiredText("--config", "CONFIG.json", "The model's config.json.");
        var output = VerbOptions.RequiredText("--out", "DIR", "A new or empty folder for the checkpoint.");
        var seed = VerbOptions.NonNegativeLong("--seed", "N", "The initialisation seed [default: 0].");
        var dtype = VerbOptions.OneOf("--dtype", "Weight type (qwen2.5-vl only) [default: f32].", DTypes);
        var maxShard = VerbOptions.PositiveNumber(
            "--max-shard-mb",
            "N",
            "Largest safetensors shard in MB, fractions allowed (qwen2.5-vl only).",
            maximum: 1e7
        );
        var command = new Command(
            "init",
            "A random checkpoint folder (weights, config, tokenizer) for tests and CPU demos."
        )
        {
            family,
            config,
            output,
            seed,
            dtype,
            maxShard,
        };
        command.SetAction(parse =>
            Init(
                new InitRequest(
                    parse.GetValue(family)!,
                    parse.GetValue(config)!,
                    parse.GetValue(output)!,
                    parse.GetValue(seed) ?? 0,
                    DType(parse.GetValue(dtype)),
                    parse.GetValue(maxShard)
                ),
                parse.InvocationConfiguration.Output
            )
        );
        return command;
    }

    private static Command DumpCommand()
    {
        var model = VerbOptions.RequiredText("--model", "DIR", "A Qwen2.5-VL checkpoint folder.");
        var modelCase = VerbOptions.RequiredText("--case", "CASE.json", "The reference case (inputs and settings).");
        var output = VerbOptions.RequiredText("--out", "OUT.safetensors", "Where the intermediates are written.");
        var noKvCache = new Option<bool>("--no-kv-cache") { Description = "Generate without the key/value cache." };
        var dtype = VerbOptions.OneOf("--dtype", "Compute type [default: f32].", DTypes);
        var command = new Command("dump", "Run a reference case and write every intermediate as F32/I64 safetensors.")
        {
            model,
            modelCase,
            output,
            noKvCache,
            dtype,
        };
        command.SetAction(parse =>
            Dump(
                parse.GetValue(model)!,
                parse.GetValue(modelCase)!,
                parse.GetValue(output)!,
                !parse.GetValue(noKvCache),
                DType(parse.GetValue(dtype)) ?? ScalarType.Float32,
                parse.InvocationConfiguration.Output
            )
        );
        return command;
    }

    private sealed record InitRequest(
        string Family,
        string ConfigPath,
        string Directory,
        long Seed,
        ScalarType? DType,
        double? MaxShardMegabytes
    );

    private static int Init(InitRequest request, TextWriter output) => AsUserFacing(() => InitChecked(request, output));

    /// <summary>Runs <paramref name="work"/>; a bad input file (unreadable, malformed, inconsistent) becomes a
    /// <see cref="UserFacingException"/> with its message.</summary>
    private static int AsUserFacing(Func<int> work)
    {
        try
        {
            return work();
        }
        catch (Exception e)
            when (e
                    is InvalidDataException
                        or IOException
                        or UnauthorizedAccessException
                        or JsonException
                        or ArgumentException
            )
        {
            throw new UserFacingException(e.Message, e);
        }
    }

    private static int InitChecked(InitRequest request, TextWriter output)
    {
        if (!File.Exists(request.ConfigPath))
            throw new UserFacingException($"--config {request.ConfigPath} does not exist; pass a config.json.");
        if (Directory.Exists(request.Directory) && Directory.EnumerateFileSystemEntries(request.Directory).Any())
            throw new UserFacingException(
                $"--out {request.Directory} is not empty; model init writes a new checkpoint into an empty or new "
                    + $"folder."
            );
        TorchRuntime.Initialize(Math.Max(1, Environment.ProcessorCount));
        return request.Family == TinyVlm.FamilyName ? InitTiny(request, output) : InitQwen(request, output);
    }

    private static int InitQwen(InitRequest request, TextWriter output)
    {
        var config = Qwen25VlConfig.Load(request.ConfigPath);
        var options = new Qwen25VlRandomCheckpointOptions
        {
            Seed = request.Seed,
            DType = request.DType ?? ScalarType.Float32,
        };
        if (request.MaxShardMegabytes is { } megabytes)
            options = options with { MaxShardBytes = (long)(megabytes * 1_000_000) };
        var files = Qwen25VlRandomCheckpoint.WriteWithTokenizer(request.ConfigPath, request.Directory, options);
        output.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"saei model init: {request.Directory}: qwen2.5-vl, {Qwen25VlTensorTable.ParameterCount(config):N0} "
                    + $"parameters, seed {request.Seed}, {files.Count} files "
                    + $"({string.Join(", ", files.Select(Path.GetFileName))})"
            )
        );
        return 0;
    }

    private static int InitTiny(InitRequest request, TextWriter output)
    {
        if (request.DType is not null || request.MaxShardMegabytes is not null)
            throw new UsageException(
                "--dtype and --max-shard-mb apply to qwen2.5-vl; a tiny-vlm folder is one float32 file."
            );
        var config = TinyVlmConfig.Load(request.ConfigPath);
        using var model = PolicyModelFactory.CreateTiny(config, request.Seed, CPU);
        Directory.CreateDirectory(request.Directory);
        model.Save(request.Directory);
        output.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"saei model init: {request.Directory}: tiny-vlm, {model.Info.ParameterCount:N0} parameters, seed "
                    + $"{request.Seed}"
            )
        );
        return 0;
    }

    private static int Dump(
        string modelDirectory,
        string casePath,
        string outPath,
        bool useKvCache,
        ScalarType dtype,
        TextWriter output
    )
    {
        return AsUserFacing(() => DumpChecked(modelDirectory, casePath, outPath, useKvCache, dtype, output));
    }

    private static int DumpChecked(
        string modelDirectory,
        string casePath,
        string outPath,
        bool useKvCache,
        ScalarType dtype,
        TextWriter output
    )
    {
        RequireQwen(modelDirectory);
        TorchRuntime.Initialize(Math.Max(1, Environment.ProcessorCount));
        using var modelCase = ModelCase.Load(casePath);
        using var model = Qwen25VlModel.Load(modelDirectory, CPU, dtype);
        model.eval();
        var tensors = ModelDump.Run(model, modelCase, useKvCache);
        try
        {
            ModelDump.Write(outPath, tensors);
            string tokens = tensors.TryGetValue("gen.tokens", out var generated)
                ? "["
                    + string.Join(
                        ", ",
                        Enumerable
                            .Range(0, (int)generated.shape[0])
                            .Select(row => "[" + string.Join(", ", generated[row].data<long>().ToArray()) + "]")
                    )
                    + "]"
                : "(none: num_new_tokens is 0)";
            output.WriteLine($"saei model dump: {tensors.Count} keys → {outPath}; greedy tokens {tokens}");
        }
        finally
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
        }
        return 0;
    }

    /// <summary>dump runs Qwen2.5-VL only: another family's folder gets that said, not a missing-key error.</summary>
    private static void RequireQwen(string modelDirectory)
    {
        string configPath = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(configPath))
            throw new UserFacingException(
                $"--model {modelDirectory} has no config.json; pass a Qwen2.5-VL checkpoint folder."
            );
        using var document = JsonDocument.Parse(File.ReadAllText(configPath));
        string? modelType =
            document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("model_type", out var value)
            && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        if (modelType != Qwen25VlConfig.ModelType)
            throw new UserFacingException(
                $"{configPath}: model_type is '{modelType ?? "(missing)"}'; model dump runs Hugging Face Qwen2.5-VL "
                    + $"checkpoints (model_type '{Qwen25VlConfig.ModelType}')."
            );
    }

    private static ScalarType? DType(string? name) =>
        name switch
        {
            null => null,
            "f32" or "float32" => ScalarType.Float32,
            _ => ScalarType.BFloat16,
        };
}
