using System.Text.Json;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Runs;
using SaEI.Grains.Workers;

namespace SaEI.Client.Commands;

/// <summary>The `--json` shapes of the read verbs (snake_case keys, stable names).</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = LeaderboardDocument.JsonOptions;

    public static string Serialize(object value) => JsonSerializer.Serialize(value, Options);

    /// <summary>The per-run row of `sweep status --json` and `watch --json`.</summary>
    public static object RunRow(RunStatus r) =>
        new
        {
            run = r.RunId,
            method = r.Method,
            config = r.ConfigKey,
            seed = r.Seed,
            state = r.State,
            step = r.Step,
            total_steps = r.TotalSteps,
            checkpoint_step = r.CheckpointStep,
            restarts = r.Restarts,
            epoch = r.Epoch,
            worker = Worker(r.Worker),
            lease_deadline = r.LeaseDeadline,
            reward = Metric(r, MetricNames.Reward),
            entropy = Metric(r, MetricNames.Entropy),
            accuracy = Metric(r, MetricNames.Accuracy),
        };

    /// <summary>Where a run sits: the worker id, its silo's endpoint and the silo's incarnation (null when none holds
    /// it).</summary>
    public static object? Worker(string? workerId) =>
        workerId is null ? null
        : WorkerAddress.TryParse(workerId) is { } address
            ? new
            {
                id = workerId,
                silo = address.Silo,
                incarnation = address.Incarnation,
            }
        : new
        {
            id = workerId,
            silo = (string?)null,
            incarnation = (int?)null,
        };

    public static double? Metric(RunStatus r, string name) => r.Metrics.TryGetValue(name, out double v) ? v : null;
}
