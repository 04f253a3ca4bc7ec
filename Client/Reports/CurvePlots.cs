using ScottPlot;

namespace SaEI.Client.Reports;

/// <summary>One run's values of one metric, step by step.</summary>
public sealed record RunCurve(string Method, int Seed, IReadOnlyList<(int Step, double Value)> Points);

/// <summary>
/// Line charts of per-step metrics (the paper's Fig. 2 and friends): one line per method, the mean over seeds at
/// each step, with a shaded band from the lowest to the highest seed so the spread stays visible.
/// </summary>
public static class CurvePlots
{
    private static readonly Color[] Palette =
    [
        Colors.Gray,
        Colors.Crimson,
        Colors.RoyalBlue,
        Colors.DarkGreen,
        Colors.DarkOrange,
        Colors.Purple,
        Colors.Teal,
    ];

    /// <summary>Writes a PNG; returns the number of method lines drawn.</summary>
    public static int Save(
        string path,
        string title,
        string yLabel,
        IReadOnlyList<RunCurve> curves,
        IReadOnlyList<string> methodOrder
    )
    {
        var plot = new Plot();
        int drawn = 0;
        foreach (string method in methodOrder)
        {
            var runs = curves.Where(c => c.Method == method && c.Points.Count > 0).ToList();
            if (runs.Count == 0)
                continue;
            var steps = runs.SelectMany(r => r.Points.Select(p => p.Step)).Distinct().Order().ToArray();
            var mean = new List<double>();
            var low = new List<double>();
            var high = new List<double>();
            var xs = new List<double>();
            foreach (int step in steps)
            {
                var values = runs.SelectMany(r => r.Points.Where(p => p.Step == step).Select(p => p.Value))
                    .Where(double.IsFinite)
                    .ToArray();
                if (values.Length == 0)
                    continue;
                xs.Add(step);
                mean.Add(values.Average());
                low.Add(values.Min());
                high.Add(values.Max());
            }
            if (xs.Count == 0)
                continue;
            var color = Palette[drawn % Palette.Length];
            if (runs.Count > 1)
            {
                var band = plot.Add.FillY(xs.ToArray(), low.ToArray(), high.ToArray());
                band.FillColor = color.WithAlpha(0.15);
                band.LineWidth = 0;
            }
            var line = plot.Add.Scatter(xs.ToArray(), mean.ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = xs.Count <= 30 ? 4 : 0;
            line.LegendText = runs.Count > 1 ? $"{method} ({runs.Count} seeds)" : method;
            drawn++;
        }
        // Steps are whole numbers: no 2.2, 2.4 ... ticks.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title(title + "\nline = mean over seeds, band = lowest to highest seed");
        plot.XLabel("RL step");
        plot.YLabel(yLabel);
        // Beside the plot, not over the lines.
        plot.ShowLegend(Edge.Right);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 900, 560);
        return drawn;
    }
}
