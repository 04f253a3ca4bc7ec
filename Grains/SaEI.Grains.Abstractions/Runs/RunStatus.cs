namespace SaEI.Grains.Runs;

/// <summary>
/// One failure of one attempt, kept in the run's history: the worker that held the attempt (if any) and when the run
/// grain recorded it (the moment the run was taken from that worker).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FailureRecord(
    [property: Id(0)] FailureKind Kind,
    [property: Id(1)] string Message,
    [property: Id(2)] int Step,
    [property: Id(3)] long Epoch,
    [property: Id(4)] string? Worker = null,
    [property: Id(5)] DateTimeOffset? At = null
);

/// <summary>What `saei sweep status`, `watch` and `run show` print about a run.</summary>
[GenerateSerializer, Immutable]
public sealed record RunStatus
{
    [Id(0)]
    public required string RunId { get; init; }

    [Id(1)]
    public required string ExperimentId { get; init; }

    [Id(2)]
    public required string Method { get; init; }

    [Id(3)]
    public required string ConfigKey { get; init; }

    [Id(4)]
    public required int Seed { get; init; }

    [Id(5)]
    public required RunState State { get; init; }

    /// <summary>The last step reported by the current (or last) worker.</summary>
    [Id(6)]
    public int Step { get; init; }

    [Id(7)]
    public int TotalSteps { get; init; }

    /// <summary>The last step whose checkpoint was committed (0: none).</summary>
    [Id(8)]
    public int CheckpointStep { get; init; }

    /// <summary>Attempts restarted after a failure or a lost worker (SkyPilot's #RECOVERIES).</summary>
    [Id(9)]
    public int Restarts { get; init; }

    [Id(10)]
    public long Epoch { get; init; }

    /// <summary>The worker holding the run while Running: its silo address and incarnation (see
    /// WorkerAddress).</summary>
    [Id(11)]
    public string? Worker { get; init; }

    /// <summary>Last reported metrics (EasyR1 names, e.g. reward/overall, actor/entropy, val/accuracy).</summary>
    [Id(12)]
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    [Id(13)]
    public IReadOnlyList<FailureRecord> Failures { get; init; } = [];

    /// <summary>Human-readable events: resumes (and from which checkpoint), skipped corrupt checkpoints,
    /// fencing.</summary>
    [Id(14)]
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The best in-domain accuracy and its step (the checkpoint the OOD benchmarks are run on).</summary>
    [Id(15)]
    public int BestStep { get; init; }

    [Id(16)]
    public double? BestAccuracy { get; init; }

    /// <summary>SHA-256 (hex) of the final weights, for bit-identity checks.</summary>
    [Id(17)]
    public string? FinalWeightsSha256 { get; init; }

    /// <summary>Out-of-domain scores by benchmark, on the best in-domain checkpoint.</summary>
    [Id(18)]
    public IReadOnlyDictionary<string, double> Benchmarks { get; init; } = new Dictionary<string, double>();

    /// <summary>Every step committed as a checkpoint, in commit order (a step never appears twice).</summary>
    [Id(19)]
    public IReadOnlyList<int> CommittedSteps { get; init; } = [];

    /// <summary>While Running: when the worker's lease runs out unless it reports (persisted, so it survives
    /// re-activation).</summary>
    [Id(20)]
    public DateTimeOffset? LeaseDeadline { get; init; }
}
