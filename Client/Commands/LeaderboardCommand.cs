using SaEI.Grains.Leaderboards;
using SaEI.Grains.Results;

namespace SaEI.Client.Commands;

/// <summary>`saei leaderboard &lt;exp&gt; [--benchmark B] [--json]`: mean ± std over seeds per (method, config, benchmark).</summary>
public static class LeaderboardCommand
{
    public const string Usage = "saei leaderboard <exp> [--benchmark B] [--json] [--cluster-id ID | --gateway-port N] [--timeout S] [--tls-cert F --tls-ca F]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellation)
    {
        var arguments = new VerbArguments(args[1..], Usage, ["--benchmark", .. VerbArguments.ConnectionOptions], ["--json"]);
        string experiment = arguments.Id(0, "experiment");
        await using var connection = await ClusterConnection.ConnectAsync(arguments, cancellation);
        var rows = await connection.Client.GetGrain<ILeaderboardGrain>(experiment).QueryAsync(arguments.Option("--benchmark"));
        if (arguments.Json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(new { experiment, rows }));
            return 0;
        }
        if (rows.Count == 0)
        {
            await output.WriteLineAsync($"experiment {experiment}: no finished run yet" + (arguments.Option("--benchmark") is { } b ? $" with benchmark '{b}'" : "") + ".");
            return 0;
        }
        var aggregate = rows.Select(r => new AggregateRow(r.Method, r.ConfigKey, r.Benchmark, r.Seeds, r.Mean, r.Std)).ToList();
        await output.WriteAsync(PaperTable.ToPlainText(aggregate));
        return 0;
    }
}
