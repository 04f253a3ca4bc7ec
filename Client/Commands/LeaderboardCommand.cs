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
    public const string Usage = "saei leaderboard <exp> [--benchmark B] [--baseline M] [--json] " +
        "[--cluster-id ID | --gateway-port N] [--timeout S] [--tls-cert F --tls-ca F]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellation)
    {
        var arguments = new VerbArguments(args[1..], Usage, ["--benchmark", "--baseline",
            .. VerbArguments.ConnectionOptions], ["--json"]);
        string experiment = arguments.Id(0, "experiment");
        string baseline = arguments.Option("--baseline") ?? LeaderboardComparisons.DefaultBaseline;
        await using var connection = await ClusterConnection.ConnectAsync(arguments, cancellation);
        var leaderboard = connection.Client.GetGrain<ILeaderboardGrain>(experiment);
        var rows = await leaderboard.QueryAsync(arguments.Option("--benchmark"));
        var comparisons = await leaderboard.CompareAsync(arguments.Option("--benchmark"), baseline);
        if (arguments.Json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(new { experiment, baseline, rows, comparisons }));
            return 0;
        }
        if (rows.Count == 0)
        {
            await output.WriteLineAsync($"experiment {experiment}: no finished run yet" + (arguments.Option("--benchmark") is { } b ? $" with benchmark '{b}'" : "") + ".");
            return 0;
        }
        var aggregate = rows.Select(r => new AggregateRow(r.Method, r.ConfigKey, r.Benchmark, r.Seeds, r.Mean, r.Std)).ToList();
        await output.WriteAsync(PaperTable.ToPlainText(aggregate));
        if (comparisons.Count == 0) return 0;
        await output.WriteLineAsync();
        await output.WriteLineAsync(
            $"Against {baseline} (points; 95% bootstrap CI over seeds and problems; Welch p over seeds; " +
            "MDE at power 0.8):");
        await output.WriteAsync(ComparisonTable.ToPlainText(comparisons));
        return 0;
    }
}
