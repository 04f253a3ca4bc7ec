using System.Globalization;
using System.Text;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;

namespace SaEI.Client.Commands;

/// <summary>The plain-text table of a sweep's runs (sweep status, watch).</summary>
public static class RunTable
{
    public static string Format(SweepStatus status)
    {
        var text = new StringBuilder();
        text.AppendLine(
            $"experiment {status.ExperimentId}: "
                + (
                    status.Launched
                        ? string.Join(
                            ", ",
                            Enum.GetValues<RunState>()
                                .Select(s => (s, n: status.Count(s)))
                                .Where(x => x.n > 0)
                                .Select(x => $"{x.n} {x.s.ToString().ToLowerInvariant()}")
                        )
                        : "not launched"
                )
        );
        text.AppendLine(
            CultureInfo.InvariantCulture,
            $"{"run", -36} {"method", -12} {"seed", 4} {"step", 9} {"reward", 7} {"entropy", 7} {"accuracy", 8} "
                + $"{"restarts", 8}  {"state", -10} worker"
        );
        foreach (var r in status.Runs)
        {
            text.AppendLine(
                CultureInfo.InvariantCulture,
                $"{r.RunId, -36} {r.Method, -12} {r.Seed, 4} {$"{r.Step}/{r.TotalSteps}", 9} "
                    + $"{Cell(r, MetricNames.Reward), 7} {Cell(r, MetricNames.Entropy), 7} "
                    + $"{Cell(r, MetricNames.Accuracy), 8} {r.Restarts, 8}  "
                    + $"{r.State.ToString().ToLowerInvariant(), -10} {r.Worker ?? "-"}"
            );
        }
        return text.ToString();
    }

    private static string Cell(RunStatus r, string metric) =>
        JsonOutput.Metric(r, metric) is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
