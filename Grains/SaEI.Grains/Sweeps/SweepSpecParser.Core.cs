using SaEI.Gpu.Training;
using SaEI.Grains.Storage;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// The schema of a sweep spec. Decisions:
/// 1. Unknown keys are errors at every level, with "did you mean" (options say what to set instead).
/// 2. Option keys (rollout, methods.*, grid) are RlOptions' snake_case names, bound by reflection (<see
///    cref="OptionBinder"/>); every (method × grid point) is resolved and RlOptions.Validate()d at parse, so range
///    errors show before launch.
/// 3. `rollout` holds defaults for every method and the grid may override them; a key set both by a method and by the
///    grid is ambiguous and an error.
/// 4. Paths are not checked for existence: specs name cluster paths (/data/...) that exist only on GPU nodes.
/// </summary>
public static partial class SweepSpecParser
{
    private static readonly string[] TopKeys =
    [
        "experiment",
        "description",
        "model",
        "data",
        "seeds",
        "steps",
        "rollout",
        "methods",
        "grid",
        "eval",
        "checkpoint",
        "max_failures",
        "nodes",
    ];
    private static readonly string[] ModelKeys = ["family", "base", "path"];
    private static readonly string[] DataKeys = ["train", "test", "ood"];
    private static readonly string[] DatasetKeys =
    [
        "name",
        "format",
        "path",
        "task",
        "split",
        "size",
        "seed",
        "difficulty",
    ];
    private static readonly string[] EvalKeys = ["every", "temperature", "top_p", "samples", "benchmarks"];
    private static readonly string[] CheckpointKeys = ["every", "keep_last"];
    private static readonly string[] OptionKeysOnly = OptionBinder
        .Properties.Keys.Where(k => k != OptionBinder.MethodKey)
        .Order(StringComparer.Ordinal)
        .ToArray();
    private static readonly string[] MethodKeys = [OptionBinder.MethodKey, .. OptionKeysOnly];

    /// <summary>The longest method name (run ids are `{method}-{8 hex}-s{seed}` and must stay within <see
    /// cref="Ids.MaxLength"/>).</summary>
    public const int MaxMethodNameLength = Ids.MaxLength - 21; // "-" + 8 hex + "-s" + up to 10 seed digits

    private static SpecParseResult ParseCore(string yaml, SpecLimits limits)
    {
        if (SpecBounds.CheckSize(yaml, limits) is { } tooLarge)
            return Fail(tooLarge);
        var reader = new SpecReader(limits.MaxErrors);
        YamlNode? rootNode;
        try
        {
            if (SpecBounds.CheckDepth(yaml, limits) is { } tooDeep)
                return Fail(tooDeep);
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count != 1)
                return Fail(
                    new SpecError(
                        "",
                        stream.Documents.Count == 0
                            ? "the spec is empty; see examples/ for a complete spec."
                            : "the file holds several YAML documents (---); keep one spec per file."
                    )
                );
            rootNode = stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            string message = (e.InnerException?.Message ?? e.Message).Trim();
            return Fail(
                new SpecError(
                    "",
                    $"YAML syntax error: {message}. Fix the indentation or quoting there.",
                    (int)e.Start.Line,
                    (int)e.Start.Column
                )
            );
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet 16 throws this (not YamlException) when the file ends inside a flow mapping or list.
            int lines = yaml.Split('\n').Length;
            return Fail(
                new SpecError(
                    "",
                    $"YAML syntax error: the file ends inside an unclosed {{ }} or [ ] ({e.Message}); close it.",
                    lines,
                    1
                )
            );
        }
        if (rootNode is not YamlMappingNode root)
            return Fail(
                new SpecError(
                    "",
                    "the spec must be a mapping of top-level keys (experiment, model, data, seeds, steps, methods, "
                        + "...).",
                    (int)rootNode.Start.Line,
                    (int)rootNode.Start.Column
                )
            );

        var top = reader.Entries(root, "", TopKeys);
        string? experiment = reader.Scalar(top, "experiment", "", required: true);
        if (experiment is not null && Ids.Check(experiment, "experiment") is { } badId)
            reader.Error("experiment", badId);
        var model = ReadModel(reader, top);
        var data = ReadData(reader, top);
        var seeds = ReadSeeds(reader, top);
        int? steps = reader.Int(
            top,
            "steps",
            "",
            1,
            BlobPaths.MaxStep,
            "paper: 60 for Geometry3K, 90 for MM-Eureka",
            required: true
        );
        var rollout = ReadOptions(reader, top.GetValueOrDefault("rollout"), "rollout", OptionKeysOnly);
        var methods = ReadMethods(reader, top);
        var grid = ReadGrid(reader, top, methods);
        if (seeds is not null && SweepExpansion.CheckRunCount(methods.Count, grid, seeds.Count, limits) is { } tooMany)
        {
            // Stop here: later checks resolve every grid point, which is the work this limit bounds.
            reader.Error("grid", tooMany, reader.Location("grid") ?? reader.Location("seeds"));
            return Failed(reader);
        }
        var eval = ReadEval(reader, top, data, steps);
        var checkpoint = ReadCheckpoint(reader, top, steps);
        int maxFailures = reader.Int(top, "max_failures", "", 0, 100, "default 3") ?? 3;
        var nodes = ReadNodes(reader, top);
        if (
            reader.Errors.Count > 0
            || experiment is null
            || model is null
            || data is null
            || seeds is null
            || steps is null
        )
            return Failed(reader);

        var spec = new SweepSpec
        {
            Experiment = experiment,
            Model = model,
            Data = data,
            Seeds = seeds,
            Steps = steps.Value,
            Rollout = rollout,
            Methods = methods,
            Grid = grid,
            Eval = eval,
            Checkpoint = checkpoint,
            MaxFailures = maxFailures,
            Nodes = nodes,
        };
        try
        {
            SweepExpansion.Expand(spec, limits);
        }
        catch (SweepSpecException e)
        {
            // Range errors of resolved options: point at the line that set the key (method, grid, rollout), if any.
            foreach (var error in e.Errors)
            {
                string key = error.Path[(error.Path.LastIndexOf('.') + 1)..];
                var at =
                    reader.Location(error.Path)
                    ?? reader.Location($"grid.{key}")
                    ?? reader.Location($"rollout.{key}")
                    ?? reader.Location(error.Path[..Math.Max(0, error.Path.LastIndexOf('.'))]);
                reader.Error(error.Path, error.Message, at);
            }
            return Failed(reader);
        }
        return new SpecParseResult(spec, []);
    }

    private static SpecParseResult Fail(SpecError error) => new(null, [error]);

    private static SpecParseResult Failed(SpecReader reader) =>
        new(null, reader.Report()) { Unlisted = reader.Unlisted };

    private static ModelSpec? ReadModel(SpecReader reader, Dictionary<string, YamlNode> top)
    {
        if (!top.ContainsKey("model"))
        {
            reader.Error(
                "model",
                "is required, e.g. { family: tiny-vlm } or { family: qwen2.5-vl, path: /data/Qwen2.5-VL-7B-Instruct }."
            );
            return null;
        }
        var entries = reader.Entries(reader.Mapping(top["model"], "model"), "model", ModelKeys);
        string? familyText = reader.Scalar(entries, "family", "model", required: true);
        string? baseName = reader.Scalar(entries, "base", "model");
        string? path = reader.Scalar(entries, "path", "model");
        ModelFamily? family = familyText switch
        {
            "tiny-vlm" => ModelFamily.TinyVlm,
            "qwen2.5-vl" => ModelFamily.Qwen25Vl,
            null => null,
            _ => null,
        };
        if (familyText is not null && family is null)
            reader.Error("model.family", $"is '{familyText}'; set tiny-vlm or qwen2.5-vl.", entries["family"]);
        if (family == ModelFamily.Qwen25Vl && baseName is null && path is null)
            reader.Error(
                "model.path",
                "is required for qwen2.5-vl: the node's local Hugging Face folder, e.g. "
                    + "/data/Qwen2.5-VL-7B-Instruct, and/or model.base, the same checkpoint in blob storage "
                    + "(models/{name})."
            );
        if (baseName is not null)
        {
            baseName = baseName.StartsWith("models/", StringComparison.Ordinal)
                ? baseName["models/".Length..].TrimEnd('/')
                : baseName;
            if (Ids.Check(baseName, "model") is { } bad)
                reader.Error("model.base", bad);
        }
        return family is null ? null : new ModelSpec(family.Value, baseName, path);
    }

    private static List<int>? ReadSeeds(SpecReader reader, Dictionary<string, YamlNode> top)
    {
        if (!top.TryGetValue("seeds", out var node))
        {
            reader.Error("seeds", "is required, e.g. [1, 2, 3] (the paper runs three).");
            return null;
        }
        var values = reader.ScalarList(node, "seeds");
        if (values is null)
            return null;
        var seeds = new List<int>();
        foreach (var (text, at) in values)
        {
            if (!int.TryParse(text, out int seed) || seed < 0)
                reader.Error("seeds", $"'{text}' is not a seed; use integers ≥ 0.", at);
            else if (seeds.Contains(seed))
                reader.Error("seeds", $"seed {seed} is listed twice; list each once.", at);
            else
                seeds.Add(seed);
        }
        if (values.Count == 0)
            reader.Error("seeds", "is empty; list at least one seed, e.g. [1, 2, 3].", node);
        seeds.Sort();
        return seeds;
    }

    private static Dictionary<string, string> ReadOptions(
        SpecReader reader,
        YamlNode? node,
        string path,
        IReadOnlyCollection<string> allowed
    )
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = reader.Entries(reader.Mapping(node, path), path, allowed);
        foreach (string key in entries.Keys)
        {
            string? value = reader.Scalar(entries, key, path);
            if (value is null)
                continue;
            if (key == OptionBinder.MethodKey)
            {
                options[key] = value;
                continue;
            }
            if (OptionBinder.TryConvert(key, value, out string? error) is null)
                reader.Error(SpecReader.Join(path, key), error + ".", entries[key]);
            else
                options[key] = value;
        }
        return options;
    }

    private static List<MethodSpec> ReadMethods(SpecReader reader, Dictionary<string, YamlNode> top)
    {
        var methods = new List<MethodSpec>();
        if (
            !top.TryGetValue("methods", out var node)
            || reader.Mapping(node, "methods") is not { } map
            || map.Children.Count == 0
        )
        {
            reader.Error(
                "methods",
                "is required: name → options, e.g. methods: { grpo: {}, saei: { step_size: 0.0078 } }.",
                node
            );
            return methods;
        }
        foreach (var (name, value) in reader.Entries(map, "methods", null))
        {
            string path = $"methods.{name}";
            if (Ids.Check(name, "method") is { } bad)
            {
                reader.Error(path, bad);
                continue;
            }
            if (name.Length > MaxMethodNameLength)
            {
                reader.Error(path, $"method name has {name.Length} characters; use at most {MaxMethodNameLength}.");
                continue;
            }
            var options = ReadOptions(reader, value, path, MethodKeys);
            string kindText = options.Remove(OptionBinder.MethodKey, out string? explicitKind) ? explicitKind! : name;
            var kind = OptionBinder.TryConvert(OptionBinder.MethodKey, kindText, out _) as RlMethod?;
            if (kind is null)
            {
                string kinds = string.Join(", ", Enum.GetNames<RlMethod>().Select(OptionKeys.ToKey));
                reader.Error(
                    explicitKind is null ? path : $"{path}.method",
                    explicitKind is null
                        ? $"'{name}' is not a method kind; add `method: <kind>` ({kinds})."
                        : $"'{explicitKind}' is not a method kind; set one of {kinds}."
                );
                continue;
            }
            methods.Add(new MethodSpec(name, kind.Value, options));
        }
        return methods;
    }

    private static List<GridAxis> ReadGrid(
        SpecReader reader,
        Dictionary<string, YamlNode> top,
        List<MethodSpec> methods
    )
    {
        var grid = new List<GridAxis>();
        foreach (
            var (key, node) in reader.Entries(
                reader.Mapping(top.GetValueOrDefault("grid"), "grid"),
                "grid",
                OptionKeysOnly
            )
        )
        {
            string path = $"grid.{key}";
            var values = reader.ScalarList(node, path);
            if (values is null)
                continue;
            if (values.Count == 0)
            {
                reader.Error(path, "is empty; list at least one value or remove the axis.", node);
                continue;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (value, at) in values)
            {
                if (OptionBinder.TryConvert(key, value, out string? error) is null)
                    reader.Error(path, error + ".", at);
                else if (!seen.Add(OptionBinder.Normalize(key, value)))
                    reader.Error(path, $"value {value} is listed twice; list each once.", at);
            }
            foreach (var method in methods.Where(m => m.Options.ContainsKey(key)))
                reader.Error(
                    path,
                    $"is also set in methods.{method.Name}; remove it from one of them (the grid applies to every "
                        + $"method).",
                    node
                );
            grid.Add(new GridAxis(key, values.Select(v => v.Value).ToList()));
        }
        return grid;
    }

    private static EvalSpec ReadEval(SpecReader reader, Dictionary<string, YamlNode> top, DataSpec? data, int? steps)
    {
        var entries = reader.Entries(reader.Mapping(top.GetValueOrDefault("eval"), "eval"), "eval", EvalKeys);
        var defaults = new EvalSpec();
        int every = reader.Int(entries, "every", "eval", 1, BlobPaths.MaxStep, "paper: 5") ?? defaults.Every;
        // The default (5) may exceed a short run's steps: runs also evaluate at their last step, so that is fine; a
        // value written in the spec that exceeds steps is an error, as the author expected evaluations during training.
        if (steps is { } s && every > s && entries.TryGetValue("every", out var everyNode))
            reader.Error(
                "eval.every",
                $"is {every} but steps is {s}; only the final evaluation would run (set ≤ {s}, or remove it to "
                    + $"evaluate at the last step).",
                everyNode
            );
        var benchmarks = new List<string>();
        var known = data is null ? [] : new[] { data.Test.Name }.Concat(data.Ood.Select(o => o.Name)).ToList();
        foreach (var (name, at) in reader.ScalarList(entries.GetValueOrDefault("benchmarks"), "eval.benchmarks") ?? [])
        {
            if (data is not null && !known.Contains(name))
                reader.Error(
                    "eval.benchmarks",
                    $"'{name}' is not a data set of this spec; use {string.Join(", ", known)}.",
                    at
                );
            else
                benchmarks.Add(name);
        }
        return new EvalSpec
        {
            Every = every,
            Temperature =
                reader.Double(entries, "temperature", "eval", 0, 5, false, "EasyR1: 0.6; 0 = greedy")
                ?? defaults.Temperature,
            TopP = reader.Double(entries, "top_p", "eval", 0, 1, true, "EasyR1: 0.95") ?? defaults.TopP,
            Samples = reader.Int(entries, "samples", "eval", 1, 64, "paper: 1") ?? defaults.Samples,
            Benchmarks = benchmarks,
        };
    }

    private static CheckpointSpec ReadCheckpoint(SpecReader reader, Dictionary<string, YamlNode> top, int? steps)
    {
        var entries = reader.Entries(
            reader.Mapping(top.GetValueOrDefault("checkpoint"), "checkpoint"),
            "checkpoint",
            CheckpointKeys
        );
        int every =
            reader.Int(entries, "every", "checkpoint", 1, BlobPaths.MaxStep, "default 10")
            ?? new CheckpointSpec().Every;
        if (steps is { } s && every > s && entries.TryGetValue("every", out var everyNode))
            reader.Error(
                "checkpoint.every",
                $"is {every} but steps is {s}; only the final checkpoint would be written (set ≤ {s}, or remove it "
                    + $"to checkpoint at the last step only).",
                everyNode
            );
        return new CheckpointSpec
        {
            Every = every,
            KeepLast = reader.Int(entries, "keep_last", "checkpoint", 1, 10_000, "e.g. 3; omit to keep all"),
        };
    }
}
