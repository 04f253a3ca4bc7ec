using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;

namespace SaEI.Dashboard;

/// <summary>Runs of a sweep by state (the experiments page's columns).</summary>
public sealed record StateCounts(int Pending, int Running, int Evaluating, int Completed, int Failed, int Cancelled)
{
    public static StateCounts Of(SweepStatus status) =>
        new(
            status.Count(RunState.Pending),
            status.Count(RunState.Running),
            status.Count(RunState.Evaluating),
            status.Count(RunState.Completed),
            status.Count(RunState.Failed),
            status.Count(RunState.Cancelled)
        );
}

/// <summary>One row of the experiments page (GET /api/experiments).</summary>
public sealed record ExperimentSummary(
    string Experiment,
    int Runs,
    StateCounts Counts,
    double Progress,
    int Restarts,
    bool Finished
)
{
    /// <summary>Progress is steps done over steps in total; a finished run (completed, failed, cancelled) counts as
    /// all its steps, since it will not take more.</summary>
    public static ExperimentSummary Of(SweepStatus status)
    {
        long total = status.Runs.Sum(r => (long)Math.Max(1, r.TotalSteps));
        long done = status.Runs.Sum(r =>
            r.State.IsTerminal() ? Math.Max(1, r.TotalSteps) : Math.Clamp(r.Step, 0, Math.Max(1, r.TotalSteps))
        );
        return new ExperimentSummary(
            status.ExperimentId,
            status.Runs.Count,
            StateCounts.Of(status),
            total == 0 ? 0 : (double)done / total,
            status.Runs.Sum(r => r.Restarts),
            status.Finished
        );
    }
}

/// <summary>One row of the run table (GET /api/experiments/{exp}).</summary>
public sealed record RunRow(
    string Run,
    string Method,
    string Config,
    int Seed,
    RunState State,
    int Step,
    int TotalSteps,
    double? Reward,
    double? Entropy,
    double? Accuracy,
    int Restarts
)
{
    public static RunRow Of(RunStatus r) =>
        new(
            r.RunId,
            r.Method,
            r.ConfigKey,
            r.Seed,
            r.State,
            r.Step,
            r.TotalSteps,
            Metric(r, MetricNames.Reward),
            Metric(r, MetricNames.Entropy),
            Metric(r, MetricNames.Accuracy),
            r.Restarts
        );

    /// <summary>The metric to 6 decimals (the table shows 3): a third of the bytes of a 1,000-run page.</summary>
    private static double? Metric(RunStatus r, string name) =>
        r.Metrics.TryGetValue(name, out double v) && double.IsFinite(v) ? Math.Round(v, 6) : null;
}

/// <summary>The experiment page's data: the summary and every run.</summary>
public sealed record ExperimentView(
    string Experiment,
    bool Launched,
    StateCounts Counts,
    double Progress,
    int Restarts,
    bool Finished,
    IReadOnlyList<RunRow> Runs
)
{
    public static ExperimentView Of(SweepStatus status)
    {
        var summary = ExperimentSummary.Of(status);
        return new ExperimentView(
            status.ExperimentId,
            status.Launched,
            summary.Counts,
            summary.Progress,
            summary.Restarts,
            summary.Finished,
            [.. status.Runs.Select(RunRow.Of)]
        );
    }
}

/// <summary>One file of a checkpoint as its manifest lists it.</summary>
public sealed record CheckpointFileView(string Name, long Size, string Sha256);

/// <summary>One checkpoint folder of a run: intact when its manifest lists files that are all stored at the
/// listed sizes (the SHA-256 is the manifest's, checked by the worker that loads it).</summary>
public sealed record CheckpointView(
    int Step,
    long Size,
    IReadOnlyList<CheckpointFileView> Files,
    bool Intact,
    string? Problem
);

/// <summary>The latest samples of a run (samples/step-N.jsonl), each line as stored.</summary>
public sealed record SamplesView(int Step, IReadOnlyList<System.Text.Json.Nodes.JsonNode?> Items);

/// <summary>One clean/perturbed image pair of a run, with the URLs of both PNGs.</summary>
public sealed record ImagePairView(int Step, int Index, string Clean, string Perturbed);

/// <summary>The run page's data (GET /api/experiments/{exp}/runs/{run}).</summary>
public sealed record RunView(
    RunStatus Status,
    IReadOnlyDictionary<string, IReadOnlyList<double[]>> Metrics,
    IReadOnlyList<CheckpointView> Checkpoints,
    SamplesView? Samples,
    IReadOnlyList<ImagePairView> ImagePairs
);
