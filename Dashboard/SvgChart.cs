using System.Globalization;
using System.Net;
using System.Text;

namespace SaEI.Dashboard;

/// <summary>One line of a chart: its legend label, its colour group (the method), its (step, value) points.</summary>
public sealed record ChartSeries(string Label, string Group, IReadOnlyList<double[]> Points);

/// <summary>
/// A line chart rendered on the server as SVG (the dashboard's charts; README "Dashboard" says why): axes with
/// rounded ticks, one polyline per series, one colour per group (method), a legend. Pure text: no script, no
/// external reference, so it renders offline inside an &lt;img&gt; under the page's Content-Security-Policy.
/// </summary>
public static class SvgChart
{
    private const int Width = 640,
        Height = 320,
        Left = 56,
        Right = 150,
        Top = 28,
        Bottom = 36;

    /// <summary>Colour-blind-safe palette (Okabe–Ito), one colour per group in order of first appearance.</summary>
    private static readonly string[] Palette =
    [
        "#0072B2",
        "#D55E00",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
        "#F0E442",
        "#000000",
    ];

    public static string Render(string title, string metric, IReadOnlyList<ChartSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var c = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" ")
            .Append(c, $"viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">")
            .Append(c, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#fff\"/>")
            .Append(c, $"<text x=\"{Left}\" y=\"16\" font-size=\"13\">{Escape(title)}</text>");
        var points = series.SelectMany(s => s.Points).Where(p => p.Length == 2 && double.IsFinite(p[1])).ToList();
        if (points.Count == 0)
            return svg.Append(c, $"<text x=\"{Left}\" y=\"{Height / 2}\">no data for {Escape(metric)} yet</text>")
                .Append("</svg>")
                .ToString();
        var (x0, x1) = Range(points.Min(p => p[0]), points.Max(p => p[0]));
        var (y0, y1) = Range(points.Min(p => p[1]), points.Max(p => p[1]));
        double plotW = Width - Left - Right,
            plotH = Height - Top - Bottom;
        double X(double x) => Left + (x - x0) / (x1 - x0) * plotW;
        double Y(double y) => Top + plotH - (y - y0) / (y1 - y0) * plotH;
        svg.Append(c, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" ")
            .Append("stroke=\"#999\"/>");
        foreach (double tick in Ticks(y0, y1))
            svg.Append(c, $"<line x1=\"{Left}\" x2=\"{Left + plotW}\" y1=\"{Y(tick):0.#}\" y2=\"{Y(tick):0.#}\" ")
                .Append(c, $"stroke=\"#eee\"/><text x=\"{Left - 4}\" y=\"{Y(tick) + 4:0.#}\" text-anchor=\"end\">")
                .Append(c, $"{tick:G4}</text>");
        foreach (double tick in Ticks(x0, x1))
            svg.Append(c, $"<text x=\"{X(tick):0.#}\" y=\"{Top + plotH + 14}\" text-anchor=\"middle\">")
                .Append(c, $"{tick:G6}</text>");
        svg.Append(c, $"<text x=\"{Left + plotW / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\">step</text>");
        var groups = series.Select(s => s.Group).Distinct(StringComparer.Ordinal).ToList();
        int legend = 0;
        foreach (var line in series.Where(s => s.Points.Count > 0))
        {
            string colour = Palette[groups.IndexOf(line.Group) % Palette.Length];
            string path = string.Join(
                ' ',
                line.Points.Where(p => p.Length == 2 && double.IsFinite(p[1]))
                    .Select(p => string.Create(c, $"{X(p[0]):0.##},{Y(p[1]):0.##}"))
            );
            svg.Append(c, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{path}\">")
                .Append(c, $"<title>{Escape(line.Label)}</title></polyline>");
            if (line.Points.Count == 1)
                svg.Append(c, $"<circle cx=\"{X(line.Points[0][0]):0.##}\" ")
                    .Append(c, $"cy=\"{Y(line.Points[0][1]):0.##}\" r=\"2.5\" ")
                    .Append(c, $"fill=\"{colour}\"/>");
            if (legend < 16)
                svg.Append(c, $"<text x=\"{Width - Right + 8}\" y=\"{Top + 10 + 14 * legend++}\" fill=\"{colour}\">")
                    .Append(Escape(Shorten(line.Label)))
                    .Append("</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    /// <summary>A range padded by 5% (or ±0.5 around a single value), so lines do not touch the frame.</summary>
    private static (double Low, double High) Range(double low, double high)
    {
        if (high - low < 1e-12)
            return (low - 0.5, high + 0.5);
        double pad = 0.05 * (high - low);
        return (low - pad, high + pad);
    }

    /// <summary>About five ticks at 1, 2 or 5 × 10^k within [low, high].</summary>
    private static IEnumerable<double> Ticks(double low, double high)
    {
        double raw = (high - low) / 5,
            magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(low / step) * step; t <= high + 1e-9 * step; t += step)
            yield return Math.Abs(t) < 1e-12 * step ? 0 : t;
    }

    private static string Shorten(string label) => label.Length <= 22 ? label : label[..21] + "…";

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
