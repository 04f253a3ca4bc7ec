using System.CommandLine;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Results;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei leaderboard &lt;exp&gt; [--benchmark B] [--baseline M] [--json]`: mean ± std over seeds per (method, config,
/// benchmark), then each method against the baseline (default grpo): the difference with its 95% bootstrap interval,
/// Welch's p over seeds, the minimum detectable difference and the verdict. --json carries both (fractions, not
/// points).
/// </summary>
public static class LeaderboardCommand
{
    public static Command Create()
    {
        var experiment = VerbOptions.Id("exp", "experiment", "The experiment id (the spec's `experiment:`).");
        var benchmark = VerbOptions.Text("--benchmark", "B", "Only this benchmark (e.g. in-domain, synth-hard).");
        var baseline = VerbOptions.Text(
            "--baseline",
            "M",
            $"The method every other is compared with [default: {LeaderboardComparisons.DefaultBaseline}]."
        );
        var json = VerbOptions.Json();
        var command = new Command(
            "leaderboard",
            "Mean ± std over seeds per method, config and benchmark, and each method against the baseline: "
                + "Δ, 95% interval, Welch p, MDE, verdict."
        )
        {
            experiment,
            benchmark,
            baseline,
            json,
        };
        var connection = ConnectionOptions.AddTo(command);
        command.SetAction(
            (parse, cancellation) =>
                RunAsync(
                    parse.GetValue(experiment)!,
                    parse.GetValue(benchmark),
                    parse.GetValue(baseline) ?? LeaderboardComparisons.DefaultBaseline,
                    parse.GetValue(json),
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return command;
    }

    public static async Task<int> RunAsync(
        string experiment,
        string? benchmark,
        string baseline,
        bool json,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        var output = console.Output;
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        var document = await LeaderboardDocument.LoadAsync(connection.Client, experiment, benchmark, baseline);
        var (rows, comparisons) = (document.Rows, document.Comparisons);
        if (json)
        {
            await output.WriteLineAsync(document.ToJson());
            return 0;
        }
        if (rows.Count == 0)
        {
            await output.WriteLineAsync(
                $"experiment {experiment}: no finished run yet"
                    + (benchmark is { } b ? $" with benchmark '{b}'" : "")
                    + "."
            );
            return 0;
        }
        var aggregate = rows.Select(r => new AggregateRow(r.Method, r.ConfigKey, r.Benchmark, r.Seeds, r.Mean, r.Std))
            .ToList();
        await output.WriteAsync(PaperTable.ToPlainText(aggregate));
        if (comparisons.Count == 0)
            return 0;
        await output.WriteLineAsync();
        await output.WriteLineAsync(
            $"Against {baseline} (points; 95% bootstrap CI over seeds and problems; Welch p over seeds; "
                + "MDE at power 0.8):"
        );
        await output.WriteAsync(ComparisonTable.ToPlainText(comparisons));
        return 0;
    }
}
