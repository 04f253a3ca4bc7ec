using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Grains.Storage;
using YamlDotNet.RepresentationModel;

namespace SaEI.Grains.Sweeps;

public static partial class SweepSpecParser
{
    /// <summary>
    /// Every local path of the spec (model.path, data.*.path) that lies outside <paramref name="roots"/> after its
    /// symbolic links and ".." are resolved (issue #11, item 6). The silo checks this when a sweep is launched, with
    /// its configured roots (Saei:Data:Roots); the loaders check again, file by file, when the data is read.
    /// Models in blob storage (model.base) need no root.
    /// </summary>
    public static IReadOnlyList<SpecError> CheckPaths(SweepSpec spec, DataRoots roots)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(roots);
        var paths = new List<(string Key, string? Path)>
        {
            ("model.path", spec.Model.Path),
            ("data.train.path", spec.Data.Train.Path),
            ("data.test.path", spec.Data.Test.Path),
        };
        paths.AddRange(spec.Data.Ood.Select((d, i) => ($"data.ood[{i}].path", d.Path)));
        return
        [
            .. paths
                .Where(p => p.Path is not null)
                .Select(p => (p.Key, Problem: roots.Check(p.Path!)))
                .Where(p => p.Problem is not null)
                .Select(p => new SpecError(p.Key, p.Problem!)),
        ];
    }

    private static DataSpec? ReadData(SpecReader reader, Dictionary<string, YamlNode> top)
    {
        if (!top.ContainsKey("data"))
        {
            reader.Error("data", "is required: train, test and optionally ood data sets.");
            return null;
        }
        var entries = reader.Entries(reader.Mapping(top["data"], "data"), "data", DataKeys);
        var train = ReadDataset(reader, entries, "train", "data.train", "train");
        var test = ReadDataset(reader, entries, "test", "data.test", "test");
        var ood = new List<DatasetSpec>();
        if (entries.TryGetValue("ood", out var oodNode) && !SpecReader.IsNull(oodNode))
        {
            if (oodNode is not YamlSequenceNode list)
                reader.Error(
                    "data.ood",
                    "expected a list of data sets, e.g. [ { name: mathvista, format: mathvista, path: "
                        + "/data/MathVista } ].",
                    oodNode
                );
            else
                for (int i = 0; i < list.Children.Count; i++)
                    if (ReadDatasetNode(reader, list.Children[i], $"data.ood[{i}]", null) is { } d)
                        ood.Add(d);
        }
        if (train is null || test is null)
            return null;
        var names = new HashSet<string>(StringComparer.Ordinal) { test.Name };
        foreach (var d in ood.Where(d => !names.Add(d.Name)))
            reader.Error("data.ood", $"benchmark name '{d.Name}' is used twice; give each data set its own name.");
        return new DataSpec(train, test, ood);
    }

    private static DatasetSpec? ReadDataset(
        SpecReader reader,
        Dictionary<string, YamlNode> entries,
        string key,
        string path,
        string defaultName
    )
    {
        if (!entries.TryGetValue(key, out var node) || SpecReader.IsNull(node))
        {
            reader.Error(
                path,
                "is required, e.g. { format: synthetic, task: counting, size: 1000 } or { format: geometry3k, path: "
                    + "/data/geometry3k/train }."
            );
            return null;
        }
        return ReadDatasetNode(reader, node, path, defaultName);
    }

    private static DatasetSpec? ReadDatasetNode(SpecReader reader, YamlNode node, string path, string? defaultName)
    {
        var map = reader.Mapping(node, path);
        if (map is null)
            return null;
        var entries = reader.Entries(map, path, DatasetKeys);
        string? format = reader.Scalar(entries, "format", path, required: true);
        string? name = reader.Scalar(entries, "name", path, required: defaultName is null) ?? defaultName;
        string? file = reader.Scalar(entries, "path", path);
        string? task = reader.Scalar(entries, "task", path);
        string? split = reader.Scalar(entries, "split", path);
        int? size = reader.Int(
            entries,
            "size",
            path,
            1,
            100_000_000,
            "the number of problems (synthetic) or the first rows kept (files)"
        );
        int? seed = reader.Int(entries, "seed", path, 0, int.MaxValue, "the synthetic generator's seed");
        int? difficulty = reader.Int(entries, "difficulty", path, 1, 3, "synthetic: 1 easy .. 3 hard");
        if (name is not null && Ids.Check(name, "benchmark") is { } badName)
            reader.Error($"{path}.name", badName);
        if (format is null)
            return null;
        if (!DatasetFormats.TryParse(format, out var kind))
        {
            reader.Error(
                $"{path}.format",
                $"is '{format}'; "
                    + SpecReader
                        .Suggest(format, DatasetFormats.All)
                        .Replace("allowed keys", "known formats", StringComparison.Ordinal),
                entries["format"]
            );
            return null;
        }
        IReadOnlyList<SyntheticFamily> families = [];
        SyntheticSplit? typedSplit = null;
        if (kind == DataFormat.Synthetic)
        {
            if (task is null)
                reader.Error($"{path}.task", "is required for synthetic data (e.g. counting).", reader.Location(path));
            else if (task == "" || DatasetFormats.ParseFamilies(task) is not { } parsed)
                reader.Error(
                    $"{path}.task",
                    $"is '{task}'; set one of {string.Join(", ", DatasetFormats.SyntheticTasks)}, or several joined "
                        + $"by '+' (e.g. counting+length).",
                    entries["task"]
                );
            else
                families = parsed;
            if (size is null)
                reader.Error(
                    $"{path}.size",
                    "is required for synthetic data (the number of problems, e.g. 1000).",
                    reader.Location(path)
                );
            if (file is not null)
                reader.Error($"{path}.path", "is not used by synthetic data; remove it.");
            if (split is "train" or "test")
                typedSplit = split == "test" ? SyntheticSplit.Test : SyntheticSplit.Train;
            else if (split is not null)
                reader.Error($"{path}.split", $"is '{split}'; set train or test.");
        }
        else
        {
            if (file is null)
                reader.Error(
                    $"{path}.path",
                    $"is required for format {format}: a file or folder (e.g. /data/{format}).",
                    reader.Location(path)
                );
            else if (file.Length == 0 || file.Contains('\0', StringComparison.Ordinal))
                reader.Error(
                    $"{path}.path",
                    "is empty or holds a NUL character; give a file or folder under the data roots (e.g. /data/...).",
                    entries["path"]
                );
            if (task is not null)
                reader.Error($"{path}.task", "applies to synthetic data only; remove it.");
            if (split is not null)
                reader.Error($"{path}.split", "applies to synthetic data only (a file is read whole); remove it.");
            if (seed is not null)
                reader.Error($"{path}.seed", "applies to synthetic data only; remove it.");
            if (difficulty is not null)
                reader.Error($"{path}.difficulty", "applies to synthetic data only; remove it.");
        }
        return name is null
            ? null
            : new DatasetSpec(name, kind, file, task, typedSplit, size, seed, difficulty) { Families = families };
    }
}
