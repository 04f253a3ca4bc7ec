using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// A parsed, validated sweep spec (YAML, see examples/ and <see cref="SweepSpecParser"/>). Option maps hold spec keys
/// (snake_case <see cref="RlOptions"/> property names) and their YAML scalars as written; they are bound and validated
/// on parse, and resolved per run by <see cref="SweepExpansion"/>.
/// </summary>
public sealed record SweepSpec
{
    /// <summary>The experiment id (a valid blob-path id).</summary>
    public required string Experiment { get; init; }
    public required ModelSpec Model { get; init; }
    public required DataSpec Data { get; init; }

    /// <summary>Seeds, ascending and distinct; each (method, config) runs once per seed.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>RL steps per run.</summary>
    public required int Steps { get; init; }

    /// <summary>Option defaults for every method (`rollout:`): key → YAML scalar.</summary>
    public IReadOnlyDictionary<string, string> Rollout { get; init; } = new Dictionary<string, string>();

    /// <summary>Methods by name (a valid id), each with its kind and option overrides.</summary>
    public required IReadOnlyList<MethodSpec> Methods { get; init; }

    /// <summary>Grid axes (key → values as YAML scalars), applied to every method; the runs are their cross
    /// product.</summary>
    public IReadOnlyList<GridAxis> Grid { get; init; } = [];

    public EvalSpec Eval { get; init; } = new();
    public CheckpointSpec Checkpoint { get; init; } = new();

    /// <summary>Failures of one run before it is given up (infrastructure failures do not count). Default 3.</summary>
    public int MaxFailures { get; init; } = 3;

    /// <summary>The machines the sweep targets (`nodes:`), for the memory plan of `saei sweep validate --runs`;
    /// empty when the spec names none. Not in the fingerprint or the run ids: where a run fits changes no
    /// result.</summary>
    public IReadOnlyList<NodeSpec> Nodes { get; init; } = [];
}

/// <summary>
/// One node a sweep targets: a name (an id), its device kind (cuda or cpu), its devices and one device's memory in GiB,
/// e.g. { name: h200-141g, device: cuda, devices: 1, memory_gib: 141 }.
/// </summary>
public sealed record NodeSpec(string Name, string Device, int Devices, double MemoryGiB)
{
    /// <summary>One device's memory in bytes.</summary>
    public long MemoryBytes => (long)(MemoryGiB * (1L << 30));

    /// <summary>The name of device <paramref name="index"/>: cuda:i, or cpu.</summary>
    public string DeviceName(int index) => Device == "cpu" ? "cpu" : $"cuda:{index}";
}

/// <summary>The base model family.</summary>
public enum ModelFamily
{
    /// <summary>The tiny CPU vision-language model (`tiny-vlm`).</summary>
    TinyVlm,

    /// <summary>Qwen2.5-VL (`qwen2.5-vl`), loaded from a local Hugging Face folder.</summary>
    Qwen25Vl,
}

/// <summary>
/// `model:`: the family, <c>path</c> (the node's local checkpoint folder) and/or <c>base</c> (the blob prefix
/// models/{name}/ of the same checkpoint in storage). With both, a node that has the folder reads it and a node
/// without it fetches the blob copy (<see cref="Training.ModelSource"/>).
/// </summary>
public sealed record ModelSpec(ModelFamily Family, string? Base, string? Path);

/// <summary>`data:`: training set, in-domain test set, out-of-domain benchmarks.</summary>
public sealed record DataSpec(DatasetSpec Train, DatasetSpec Test, IReadOnlyList<DatasetSpec> Ood);

/// <summary>
/// One data set, parsed once when the spec is read: <see cref="Format"/> is <see cref="DataFormat.Synthetic"/> (with
/// <see cref="Families"/> from <see cref="Task"/>, <see cref="Size"/>, <see cref="Seed"/>, <see cref="Split"/>,
/// <see cref="Difficulty"/> 1-3) or a file format with <see cref="Path"/>. <see cref="Name"/> is the benchmark name
/// in results (defaults: train, test; required for ood).
/// </summary>
public sealed record DatasetSpec(
    string Name,
    DataFormat Format,
    string? Path,
    string? Task,
    SyntheticSplit? Split,
    int? Size,
    int? Seed,
    int? Difficulty = null
)
{
    /// <summary>
    /// Synthetic data: the families of <see cref="Task"/> (every family for `all`); empty for file formats.
    /// <see cref="Task"/> keeps the text as written, which is part of the spec's fingerprint.
    /// </summary>
    public IReadOnlyList<SyntheticFamily> Families { get; init; } = [];
}

/// <summary>One method: its name in the spec (a valid id, used in run ids), its kind and its option
/// overrides.</summary>
public sealed record MethodSpec(string Name, RlMethod Kind, IReadOnlyDictionary<string, string> Options);

/// <summary>One grid axis: an option key and its values (YAML scalars, in spec order).</summary>
public sealed record GridAxis(string Key, IReadOnlyList<string> Values);

/// <summary>`eval:`: every N steps on the in-domain test set; sampling settings; benchmarks (default: test + every
/// ood).</summary>
public sealed record EvalSpec
{
    /// <summary>Evaluate every N steps (paper: 5).</summary>
    public int Every { get; init; } = 5;

    /// <summary>Evaluation temperature (EasyR1/paper: 0.6; 0 = greedy).</summary>
    public double Temperature { get; init; } = 0.6;

    /// <summary>Evaluation nucleus top-p (EasyR1: 0.95).</summary>
    public double TopP { get; init; } = 0.95;

    /// <summary>Samples per question; the score is mean pass@1 (paper: 1).</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Benchmark names to evaluate (data.test's and data.ood's names); empty = all.</summary>
    public IReadOnlyList<string> Benchmarks { get; init; } = [];
}

/// <summary>`checkpoint:`: commit every N steps (and at the last step); optionally keep only the last K (+
/// best).</summary>
public sealed record CheckpointSpec
{
    /// <summary>Commit a checkpoint every N steps. Default 10.</summary>
    public int Every { get; init; } = 10;

    /// <summary>Keep only the newest K committed checkpoints plus the best in-domain one; null keeps all.</summary>
    public int? KeepLast { get; init; }
}

/// <summary>One problem in a spec: the key path (e.g. `methods.saei.step_sise`), what is wrong and what to do, and
/// where.</summary>
public sealed record SpecError(string Path, string Message, int? Line = null, int? Column = null)
{
    public override string ToString() =>
        (Line is { } line ? $"line {line}, column {Column}: " : "") + (Path.Length > 0 ? $"{Path}: " : "") + Message;
}

/// <summary>A spec that does not parse or validate; <see cref="Errors"/> lists every problem.</summary>
public sealed class SweepSpecException(string source, IReadOnlyList<SpecError> errors)
    : Exception($"{source}: {errors.Count} problem(s):\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<SpecError> Errors { get; } = errors;
}
