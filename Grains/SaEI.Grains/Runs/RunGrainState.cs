namespace SaEI.Grains.Runs;

/// <summary>The durable state of a run grain: pointers and counters, never checkpoints.</summary>
[GenerateSerializer]
public sealed class RunGrainState
{
    [Id(0)]
    public RunDescriptor? Run { get; set; }

    [Id(1)]
    public RunState State { get; set; }

    [Id(2)]
    public long Epoch { get; set; }

    [Id(3)]
    public string? Worker { get; set; }

    [Id(4)]
    public int Step { get; set; }

    [Id(5)]
    public int CheckpointStep { get; set; }

    [Id(6)]
    public int Restarts { get; set; }

    [Id(7)]
    public List<FailureRecord> Failures { get; set; } = [];

    [Id(8)]
    public Dictionary<FailureKind, int> FailureCounts { get; set; } = [];

    [Id(9)]
    public List<string> Notes { get; set; } = [];

    [Id(10)]
    public Dictionary<string, double> Metrics { get; set; } = [];

    [Id(11)]
    public Dictionary<int, double> EvalAccuracy { get; set; } = [];

    [Id(12)]
    public int BestStep { get; set; }

    [Id(13)]
    public double? BestAccuracy { get; set; }

    [Id(14)]
    public string? FinalWeightsSha256 { get; set; }

    [Id(15)]
    public Dictionary<string, double> Benchmarks { get; set; } = [];

    [Id(16)]
    public List<int> CommittedSteps { get; set; } = [];

    /// <summary>While Running: the lease deadline as of the last write (progress renewals in between are in memory
    /// only).</summary>
    [Id(17)]
    public DateTimeOffset? LeaseDeadline { get; set; }
}
