using SaEI.Grains.Leaderboards;
using ScottPlot;

namespace SaEI.Client.Reports;

/// <summary>
/// A forest plot of each method's difference to the baseline (points, ×100) with its 95% interval, one row per
/// (benchmark, method), and a vertical line at 0: a row whose interval does not cross the line is a detected
/// difference. Rows without an interval show the point only; rows without a baseline are left out.
/// </summary>
public static class ForestPlot
{
    /// <summary>Writes a PNG; returns the number of rows drawn (0: nothing written).</summary>
    public static int Save(string path, string title, IReadOnlyList<LeaderboardComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var rows = comparisons.Where(c => c.Difference is not null).ToList();
        if (rows.Count == 0)
            return 0;
        var plot = new Plot();
        var zero = plot.Add.VerticalLine(0);
        zero.Color = Colors.Black;
        zero.LinePattern = LinePattern.Dashed;
        var positions = new double[rows.Count];
        var labels = new string[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            var c = rows[i];
            double y = rows.Count - i; // first row on top
            positions[i] = y;
            bool several = rows.Any(r => r.Method == c.Method && r.ConfigKey != c.ConfigKey);
            labels[i] = $"{c.Benchmark}: {(several ? $"{c.Method} ({c.ConfigKey})" : c.Method)}";
            var color = c.Verdict switch
            {
                "better" => Colors.DarkGreen,
                "worse" => Colors.Crimson,
                _ => Colors.RoyalBlue,
            };
            if (c.Low is { } low && c.High is { } high)
            {
                var interval = plot.Add.Line(100 * low, y, 100 * high, y);
                interval.Color = color;
                interval.LineWidth = 3;
            }
            var point = plot.Add.Marker(100 * c.Difference!.Value, y);
            point.Color = color;
            point.Size = 10;
        }
        plot.Axes.Left.SetTicks(positions, labels);
        plot.Axes.SetLimitsY(0.3, rows.Count + 0.7);
        plot.Title(
            title
                + "\npoint = Δ of the means, bar = 95% bootstrap interval"
                + "\ngreen better, red worse, blue not detected"
        );
        plot.XLabel($"difference to {rows[0].Baseline} (pass@1 points)");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 900, Math.Max(360, 170 + (44 * rows.Count)));
        return rows.Count;
    }
}
