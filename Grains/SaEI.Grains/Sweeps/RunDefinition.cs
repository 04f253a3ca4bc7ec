using SaEI.Gpu.Training;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// One run of a sweep, fully resolved: what a worker needs besides the spec's model and data sections.
/// <see cref="RunId"/> = `{method}-{cfg8hex}-s{seed}`, cfg8hex the first 8 hex digits of SHA-256 over (experiment,
/// method, <see cref="ResolvedConfig"/>) — so runs that differ only by seed share the hex and every id is path-safe.
/// </summary>
public sealed record RunDefinition
{
    public required string Experiment { get; init; }
    public required string RunId { get; init; }

    /// <summary>The method's name in the spec (e.g. `saei`, `saei_k2`).</summary>
    public required string Method { get; init; }

    /// <summary>The grid point as `key=value,key=value` in key order, or `default` when there is no grid.</summary>
    public required string ConfigLabel { get; init; }

    /// <summary>The grid point: key → value as written.</summary>
    public required IReadOnlyDictionary<string, string> GridPoint { get; init; }

    public required int Seed { get; init; }
    public required int Steps { get; init; }

    /// <summary>Options after defaults → rollout → method → grid, validated.</summary>
    public required RlOptions Options { get; init; }

    /// <summary>Canonical text of every option and the steps (`key=value` lines, key order): the run's
    /// identity.</summary>
    public required string ResolvedConfig { get; init; }

    public required int EvalEvery { get; init; }
    public required int CheckpointEvery { get; init; }

    /// <summary>Spec <c>checkpoint.keep_last</c>: checkpoints kept besides the best in-domain one; null keeps
    /// all.</summary>
    public int? KeepLast { get; init; }
    public required int MaxFailures { get; init; }
}
