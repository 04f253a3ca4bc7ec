using System.Globalization;
using System.Text;

namespace SaEI.Grains.Results;

/// <summary>How a paper table looks.</summary>
public sealed record PaperTableOptions
{
    /// <summary>Multiplier applied to scores before printing (100: fractions → percent, as the paper). Default
    /// 100.</summary>
    public double Scale { get; init; } = 100;

    /// <summary>Decimals (paper: 2).</summary>
    public int Decimals { get; init; } = 2;

    /// <summary>Column order; benchmarks not listed follow in name order. Default: name order.</summary>
    public IReadOnlyList<string> BenchmarkOrder { get; init; } = [];

    /// <summary>Row order by method name; methods not listed follow in name order.</summary>
    public IReadOnlyList<string> MethodOrder { get; init; } = [];

    /// <summary>Header of the first column (paper: Method).</summary>
    public string MethodHeader { get; init; } = "Method";
}

/// <summary>
/// Formats <see cref="AggregateRow"/>s as the paper's tables: one row per method (with its config label when a method
/// has several), one column per benchmark, cells `56.18 ± 0.51`; a single-seed cell is marked `*` and footnoted;
/// a missing cell is `–`. Markdown and aligned plain text. Pure.
/// </summary>
public static class PaperTable
{
    public static string ToMarkdown(IReadOnlyList<AggregateRow> rows, PaperTableOptions? options = null)
    {
        var (header, body, footnote) = Cells(rows, options ?? new PaperTableOptions());
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", header).Append(" |\n");
        text.Append("|").AppendJoin("|", header.Select((_, i) => i == 0 ? "---" : "---:")).Append("|\n");
        foreach (var row in body)
            text.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        if (footnote is not null)
            text.Append('\n').Append(footnote).Append('\n');
        return text.ToString();
    }

    public static string ToPlainText(IReadOnlyList<AggregateRow> rows, PaperTableOptions? options = null)
    {
        var (header, body, footnote) = Cells(rows, options ?? new PaperTableOptions());
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(body);
        int[] widths = header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        string Format(IReadOnlyList<string> row) =>
            string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])))
                .TrimEnd();
        var text = new StringBuilder();
        text.Append(Format(header)).Append('\n');
        text.Append(new string('-', widths.Sum() + 2 * (widths.Length - 1))).Append('\n');
        foreach (var row in body)
            text.Append(Format(row)).Append('\n');
        if (footnote is not null)
            text.Append(footnote).Append('\n');
        return text.ToString();
    }

    /// <summary>`56.18 ± 0.51` (scaled, rounded); `*` appended for one seed.</summary>
    public static string Cell(AggregateRow row, PaperTableOptions options)
    {
        string format = "F" + options.Decimals.ToString(CultureInfo.InvariantCulture);
        return $"{(row.Mean * options.Scale).ToString(format, CultureInfo.InvariantCulture)} ± "
            + $"{(row.Std * options.Scale).ToString(format, CultureInfo.InvariantCulture)}"
            + $"{(row.SingleSeed ? "*" : "")}";
    }

    private static (IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Body, string? Footnote) Cells(
        IReadOnlyList<AggregateRow> rows,
        PaperTableOptions options
    )
    {
        var benchmarks = Ordered(rows.Select(r => r.Benchmark), options.BenchmarkOrder);
        var methods = Ordered(rows.Select(r => r.Method), options.MethodOrder);
        var byKey = rows.ToDictionary(r => (r.Method, r.ConfigLabel, r.Benchmark));
        var body = new List<IReadOnlyList<string>>();
        foreach (string method in methods)
        {
            var configs = rows.Where(r => r.Method == method)
                .Select(r => r.ConfigLabel)
                .Distinct()
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (string config in configs)
            {
                var line = new List<string> { configs.Count == 1 ? method : $"{method} ({config})" };
                line.AddRange(
                    benchmarks.Select(b =>
                        byKey.TryGetValue((method, config, b), out var row) ? Cell(row, options) : "–"
                    )
                );
                body.Add(line);
            }
        }
        string? footnote = rows.Any(r => r.SingleSeed) ? "* one seed only: no spread measured." : null;
        return ([options.MethodHeader, .. benchmarks], body, footnote);
    }

    private static List<string> Ordered(IEnumerable<string> names, IReadOnlyList<string> preferred)
    {
        var distinct = names.Distinct().ToHashSet();
        return preferred
            .Where(distinct.Contains)
            .Concat(distinct.Except(preferred).Order(StringComparer.Ordinal))
            .ToList();
    }
}
