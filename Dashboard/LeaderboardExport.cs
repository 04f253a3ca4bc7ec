using System.Globalization;
using System.Text;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Results;
using SaEI.Grains.Runs;

namespace SaEI.Dashboard;

/// <summary>
/// The leaderboard downloads: Markdown (the paper's table, mean ± std in points, then the comparisons, the same text
/// `saei report` writes: <see cref="PaperTable"/>, <see cref="ComparisonTable"/>), CSV (one line per row, fractions,
/// the comparison's fields on the method's line) and JSON (<see cref="LeaderboardDocument"/>, as
/// `saei leaderboard --json`).
/// </summary>
public static class LeaderboardExport
{
    public static string Markdown(
        LeaderboardDocument document,
        IReadOnlyList<string> methodOrder,
        IReadOnlyList<string> benchmarkOrder
    )
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Leaderboard: {document.Experiment}");
        text.AppendLine();
        text.AppendLine("pass@1 ×100, mean ± std over seeds.");
        text.AppendLine();
        var aggregate = document
            .Rows.Select(r => new AggregateRow(r.Method, r.ConfigKey, r.Benchmark, r.Seeds, r.Mean, r.Std))
            .ToList();
        text.AppendLine(
            PaperTable.ToMarkdown(
                aggregate,
                new PaperTableOptions { MethodOrder = methodOrder, BenchmarkOrder = benchmarkOrder }
            )
        );
        if (document.Comparisons.Count > 0)
        {
            text.AppendLine(
                CultureInfo.InvariantCulture,
                $"## Differences to {document.Baseline} (points, 95% interval)"
            );
            text.AppendLine();
            text.AppendLine(ComparisonTable.ToMarkdown(document.Comparisons));
        }
        return text.ToString();
    }

    public static string Csv(LeaderboardDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder(
            "benchmark,method,config,seeds,mean,std,baseline,difference,low,high,"
                + "standard_error,welch_p,mde,verdict\n"
        );
        foreach (var row in document.Rows)
        {
            var comparison = document.Comparisons.FirstOrDefault(x =>
                x.Benchmark == row.Benchmark && x.Method == row.Method && x.ConfigKey == row.ConfigKey
            );
            text.Append(c, $"{Field(row.Benchmark)},{Field(row.Method)},{Field(row.ConfigKey)},{row.Seeds},")
                .Append(c, $"{row.Mean:R},{row.Std:R},{Field(document.Baseline)},")
                .Append(c, $"{Number(comparison?.Difference)},{Number(comparison?.Low)},{Number(comparison?.High)},")
                .Append(c, $"{Number(comparison?.StandardError)},{Number(comparison?.WelchP)},")
                .Append(c, $"{Number(comparison?.Mde)},{Field(comparison?.Verdict ?? "")}\n");
        }
        return text.ToString();
    }

    /// <summary>The in-domain set first, then the others in the order they were first seen.</summary>
    public static IReadOnlyList<string> BenchmarkOrder(IEnumerable<RunDescriptor> runs) =>
        [MetricNames.InDomain, .. runs.SelectMany(r => r.Benchmarks).Distinct(StringComparer.Ordinal)];

    private static string Number(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it.</summary>
    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }
}
