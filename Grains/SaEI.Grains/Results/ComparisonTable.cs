using System.Globalization;
using System.Text;
using SaEI.Grains.Leaderboards;

namespace SaEI.Grains.Results;

/// <summary>
/// Formats <see cref="LeaderboardComparison"/>s as a table (Markdown or aligned text): benchmark, method, difference to
/// the baseline in points (×100) with its 95% interval, Welch's p over seeds, the MDE, seeds and the verdict; and
/// one verdict line per comparison. Pure.
/// </summary>
public static class ComparisonTable
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string ToMarkdown(IReadOnlyList<LeaderboardComparison> comparisons)
    {
        var (header, body) = Cells(comparisons);
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", header).Append(" |\n");
        text.Append('|')
            .AppendJoin("|", header.Select((_, i) => IsText(i, header.Count) ? "---" : "---:"))
            .Append("|\n");
        foreach (var row in body)
            text.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        return text.ToString();
    }

    public static string ToPlainText(IReadOnlyList<LeaderboardComparison> comparisons)
    {
        var (header, body) = Cells(comparisons);
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(body);
        int[] widths = [.. header.Select((_, c) => all.Max(r => r[c].Length))];
        string Format(IReadOnlyList<string> row) =>
            string.Join(
                    "  ",
                    row.Select((cell, c) => IsText(c, row.Count) ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))
                )
                .TrimEnd();
        var text = new StringBuilder();
        text.Append(Format(header)).Append('\n');
        text.Append(new string('-', widths.Sum() + (2 * (widths.Length - 1)))).Append('\n');
        foreach (var row in body)
            text.Append(Format(row)).Append('\n');
        return text.ToString();
    }

    /// <summary>One <see cref="VerdictLine"/> per comparison, naming configs only for methods with several.</summary>
    public static IReadOnlyList<string> VerdictLines(IReadOnlyList<LeaderboardComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var several = SeveralConfigs(comparisons);
        return [.. comparisons.Select(c => VerdictLine(c, several.Contains(c.Method)))];
    }

    /// <summary>
    /// "saei vs grpo on in-domain: better, +3.10 points [+0.85, +5.32] (95% CI), Welch p 0.012, 5 vs 5 seeds, 512
    /// problems." The config is named when <paramref name="withConfig"/> (a method with several configs).
    /// </summary>
    public static string VerdictLine(LeaderboardComparison c, bool withConfig = false)
    {
        ArgumentNullException.ThrowIfNull(c);
        string name = withConfig ? $"{c.Method} ({c.ConfigKey})" : c.Method;
        if (c.Difference is not { } difference)
            return $"{name} vs {c.Baseline} on {c.Benchmark}: {c.VerdictText}.";
        var line = new StringBuilder(
            string.Create(C, $"{name} vs {c.Baseline} on {c.Benchmark}: {c.VerdictText}, {Points(difference)} points")
        );
        if (c.Low is { } low && c.High is { } high)
            line.Append(C, $" [{Points(low)}, {Points(high)}] (95% CI)");
        if (c.WelchP is { } p)
            line.Append(C, $", Welch p {P(p)}");
        line.Append(C, $", {c.Seeds} vs {c.BaselineSeeds} seeds");
        if (c.Problems is { } n)
            line.Append(C, $", {n} problems");
        if (c.Note is not null)
            line.Append(" (").Append(c.Note).Append(')');
        return line.Append('.').ToString();
    }

    private static (IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Body) Cells(
        IReadOnlyList<LeaderboardComparison> comparisons
    )
    {
        string baseline = comparisons.Select(c => c.Baseline).Distinct().SingleOrDefault() ?? "baseline";
        var several = SeveralConfigs(comparisons);
        IReadOnlyList<string> header =
        [
            "Benchmark",
            "Method",
            $"Δ vs {baseline}",
            "95% CI",
            "Welch p",
            "MDE",
            "Seeds",
            "Verdict",
        ];
        var body = comparisons
            .Select(c =>
                (IReadOnlyList<string>)
                    [
                        c.Benchmark,
                        several.Contains(c.Method) ? $"{c.Method} ({c.ConfigKey})" : c.Method,
                        c.Difference is { } d ? Points(d) : "–",
                        c.Low is { } low && c.High is { } high ? $"[{Points(low)}, {Points(high)}]" : "–",
                        c.WelchP is { } p ? P(p) : "–",
                        c.Mde is { } mde ? (100 * mde).ToString("0.00", C) : "–",
                        string.Create(C, $"{c.Seeds}/{c.BaselineSeeds}"),
                        c.Verdict switch
                        {
                            "no-difference" => "no difference detectable",
                            "no-baseline" => "no baseline",
                            _ => c.Verdict,
                        },
                    ]
            )
            .ToList();
        return (header, body);
    }

    private static HashSet<string> SeveralConfigs(IReadOnlyList<LeaderboardComparison> comparisons) =>
        [
            .. comparisons
                .GroupBy(c => c.Method)
                .Where(g => g.Select(c => c.ConfigKey).Distinct().Count() > 1)
                .Select(g => g.Key),
        ];

    /// <summary>Benchmark, method and verdict columns are text (left-aligned); the numbers are right-aligned.</summary>
    private static bool IsText(int column, int columns) => column < 2 || column == columns - 1;

    private static string Points(double fraction) => (100 * fraction).ToString("+0.00;-0.00;0.00", C);

    private static string P(double p) => p < 0.001 ? "<0.001" : p.ToString("0.000", C);
}
