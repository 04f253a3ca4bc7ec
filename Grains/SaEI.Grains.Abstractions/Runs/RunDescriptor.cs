namespace SaEI.Grains.Runs;

/// <summary>
/// What the grains need to schedule one run of a sweep, as ids, numbers and names (no tensors): the expanded grid
/// point (method, configuration, seed), its schedules, and where its typed configuration (options, data, model,
/// evaluation settings) is stored. Stored by the Experiment grain before any run starts and handed to the Run grain,
/// which hands it to the worker with an epoch.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunDescriptor
{
    /// <summary>The experiment (sweep) id; validated for blob paths.</summary>
    [Id(0)]
    public required string ExperimentId { get; init; }

    /// <summary>The run id, derived deterministically from (experiment, method, config, seed); globally
    /// unique.</summary>
    [Id(1)]
    public required string RunId { get; init; }

    /// <summary>The method's key in the spec (e.g. "grpo", "saei").</summary>
    [Id(2)]
    public required string Method { get; init; }

    /// <summary>The grid point in canonical form (e.g. "lr=0.0001"); empty when the grid is empty.</summary>
    [Id(3)]
    public required string ConfigKey { get; init; }

    /// <summary>The run's seed.</summary>
    [Id(4)]
    public required int Seed { get; init; }

    /// <summary>RL steps in total.</summary>
    [Id(5)]
    public required int Steps { get; init; }

    /// <summary>A checkpoint is committed every this many steps and at the end.</summary>
    [Id(6)]
    public required int CheckpointEvery { get; init; }

    /// <summary>Checkpoints kept per run after a newer one is committed (spec <c>checkpoint.keep_last</c>), plus the
    /// best in-domain one; null keeps every checkpoint.</summary>
    [Id(11)]
    public int? KeepLast { get; init; }

    /// <summary>The in-domain test set is evaluated every this many steps (and at the end).</summary>
    [Id(7)]
    public required int EvalEvery { get; init; }

    /// <summary>Retries allowed per failure class (numeric, infrastructure); default 3 (issue #6).</summary>
    [Id(8)]
    public int MaxFailures { get; init; } = 3;

    /// <summary>
    /// The executor options given at launch (e.g. the simulated executor's <c>sim_step_ms</c>), not the run's RL
    /// options, which are in <see cref="Configuration"/>. Runs launched by an older release also hold their RL
    /// options here as text; nothing reads them.
    /// </summary>
    [Id(9)]
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The blob of the run's typed configuration (experiments/{exp}/runs/{run}/run.json), written at launch before
    /// the run is queued. Null for runs launched by an older release: the same path is used, and relaunching the
    /// spec writes the file.
    /// </summary>
    [Id(12)]
    public string? Configuration { get; init; }

    /// <summary>Out-of-domain benchmarks evaluated on the best in-domain checkpoint.</summary>
    [Id(10)]
    public IReadOnlyList<string> Benchmarks { get; init; } = [];
}
