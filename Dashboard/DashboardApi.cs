using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

namespace SaEI.Dashboard;

/// <summary>
/// The routes of docs/dashboard.md: pages (static HTML that polls the JSON), the JSON API, SVG charts, image pairs,
/// downloads and the two actions. Every id in a URL is checked with <see cref="Ids"/> (400 naming the rule); a
/// missing experiment or run is 404; an action without the token is 403.
/// </summary>
internal static class DashboardApi
{
    /// <summary>The most runs one overlay chart draws.</summary>
    public const int MaxOverlayRuns = 50;

    private const string Json = "application/json; charset=utf-8";

    public static void Map(IEndpointRouteBuilder app, DashboardData data, string token)
    {
        MapPages(app);
        app.MapGet(
            "/api/experiments",
            async (HttpRequest request) => (await data.ExperimentsJsonAsync()).ToResult(request)
        );
        app.MapGet(
            "/api/experiments/{exp}",
            async (HttpRequest request, string exp) =>
                Bad(exp)
                ?? (await data.ExperimentJsonAsync(exp) is { } json ? json.ToResult(request) : NoExperiment(exp))
        );
        app.MapGet(
            "/api/experiments/{exp}/leaderboard",
            async (string exp, string? benchmark, string? baseline) =>
                Bad(exp) ?? Results.Text((await LeaderboardAsync(data, exp, benchmark, baseline)).ToJson(), Json)
        );
        app.MapGet(
            "/api/experiments/{exp}/leaderboard.{format}",
            async (string exp, string format, string? benchmark, string? baseline) =>
                Bad(exp) ?? await DownloadAsync(data, exp, format, benchmark, baseline)
        );
        app.MapGet(
            "/api/experiments/{exp}/runs/{run}",
            async (string exp, string run, CancellationToken ct) =>
                Bad(exp, run)
                ?? (
                    await data.RunAsync(exp, run, ct) is { } view
                        ? Results.Bytes(DashboardJson.Bytes(view), Json)
                        : NoRun(exp, run)
                )
        );
        app.MapGet(
            "/api/experiments/{exp}/runs/{run}/images/{step:int}/{name}",
            async (string exp, string run, int step, string name, CancellationToken ct) =>
                Bad(exp, run) ?? await ImageAsync(data, exp, run, step, name, ct)
        );
        app.MapGet(
            "/api/experiments/{exp}/runs/{run}/chart.svg",
            async (string exp, string run, string? metric) =>
                Bad(exp, run) ?? await RunChartAsync(data, exp, run, metric ?? MetricNames.Entropy)
        );
        app.MapGet(
            "/api/experiments/{exp}/chart.svg",
            async (string exp, string? metric, string? runs) =>
                Bad(exp) ?? await OverlayAsync(data, exp, metric ?? MetricNames.Entropy, runs)
        );
        app.MapPost(
            "/api/experiments/{exp}/cancel",
            async (HttpRequest request, string exp) =>
                Bad(exp) ?? Forbidden(request, token) ?? await CancelAsync(data, exp)
        );
        app.MapPost(
            "/api/experiments/{exp}/runs/{run}/requeue",
            async (HttpRequest request, string exp, string run) =>
                Bad(exp, run) ?? Forbidden(request, token) ?? await RequeueAsync(data, exp, run)
        );
    }

    private static void MapPages(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Page("index.html"));
        // Browsers ask every site for an icon; no content is an answer, where a 404 is logged as a page error.
        app.MapGet("/favicon.ico", () => Results.NoContent());
        app.MapGet("/experiments/{exp}", (string exp) => Bad(exp) ?? Page("experiment.html"));
        app.MapGet("/experiments/{exp}/leaderboard", (string exp) => Bad(exp) ?? Page("leaderboard.html"));
        app.MapGet("/experiments/{exp}/overlay", (string exp) => Bad(exp) ?? Page("overlay.html"));
        app.MapGet("/experiments/{exp}/runs/{run}", (string exp, string run) => Bad(exp, run) ?? Page("run.html"));
        app.MapGet(
            "/static/{file}",
            (string file) => file.EndsWith(".html", StringComparison.Ordinal) ? Results.NotFound() : Page(file)
        );
    }

    private static IResult Page(string name) =>
        DashboardAssets.Find(name) is var (content, type) ? Results.Bytes(content, type) : Results.NotFound();

    /// <summary>400 naming the id rule when an id is not valid; null when all are.</summary>
    private static IResult? Bad(string experiment, string? run = null) =>
        (Ids.Check(experiment, "experiment") ?? (run is null ? null : Ids.Check(run, "run"))) is { } problem
            ? Error(StatusCodes.Status400BadRequest, problem)
            : null;

    private static IResult? Forbidden(HttpRequest request, string token) =>
        DashboardSecurity.Authorized(request, token)
            ? null
            : Error(
                StatusCodes.Status403Forbidden,
                "actions need the dashboard token: send `Authorization: Bearer "
                    + $"<token>` (the token printed at start, or {DashboardOptions.TokenVariable}); the pages are "
                    + $"read-only "
                    + "without it."
            );

    private static IResult Error(int status, string message) =>
        Results.Json(new { error = message }, DashboardJson.Options, statusCode: status);

    private static IResult NoExperiment(string exp) =>
        Error(
            StatusCodes.Status404NotFound,
            $"experiment '{exp}' was never launched; launch it with `saei sweep launch <spec.yaml>`."
        );

    private static IResult NoRun(string exp, string run) =>
        Error(StatusCodes.Status404NotFound, $"run '{run}' is not a run of experiment '{exp}'.");

    private static Task<LeaderboardDocument> LeaderboardAsync(
        DashboardData data,
        string exp,
        string? benchmark,
        string? baseline
    ) => LeaderboardDocument.LoadAsync(data.Grains, exp, benchmark, baseline ?? LeaderboardComparisons.DefaultBaseline);

    private static async Task<IResult> DownloadAsync(
        DashboardData data,
        string exp,
        string format,
        string? benchmark,
        string? baseline
    )
    {
        if (format is not ("md" or "csv" or "json"))
            return Error(StatusCodes.Status404NotFound, $"no download '{format}'; use leaderboard.md, .csv or .json.");
        var document = await LeaderboardAsync(data, exp, benchmark, baseline);
        string text,
            type;
        switch (format)
        {
            case "md":
                var runs = await data.Grains.GetGrain<IExperimentGrain>(exp).GetRunsAsync();
                text = LeaderboardExport.Markdown(
                    document,
                    [.. runs.Select(r => r.Method).Distinct()],
                    LeaderboardExport.BenchmarkOrder(runs)
                );
                type = "text/markdown; charset=utf-8";
                break;
            case "csv":
                (text, type) = (LeaderboardExport.Csv(document), "text/csv; charset=utf-8");
                break;
            default:
                (text, type) = (document.ToJson(), Json);
                break;
        }
        return Results.File(Encoding.UTF8.GetBytes(text), type, $"leaderboard-{exp}.{format}");
    }

    private static async Task<IResult> ImageAsync(
        DashboardData data,
        string exp,
        string run,
        int step,
        string name,
        CancellationToken ct
    )
    {
        string[] parts = name.Split('-');
        if (
            step is < 0 or > BlobPaths.MaxStep
            || parts.Length != 2
            || parts[1] is not ("clean.png" or "perturbed.png")
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || index > 1000
        )
            return Error(StatusCodes.Status400BadRequest, "an image is {index}-clean.png or {index}-perturbed.png.");
        return await data.ImageAsync(exp, run, step, index, parts[1] == "perturbed.png", ct) is { } png
            ? Results.Bytes(png.ToArray(), "image/png")
            : Results.NotFound();
    }

    private static async Task<IResult> RunChartAsync(DashboardData data, string exp, string run, string metric)
    {
        if (metric.Length > 100)
            return Error(StatusCodes.Status400BadRequest, "a metric name has 100 characters at most.");
        var series = await data.MetricsAsync(exp, run);
        var points = series.TryGetValue(metric, out var p) ? p : [];
        return Svg(SvgChart.Render($"{metric} — {run}", metric, [new ChartSeries(run, run, points)]));
    }

    private static async Task<IResult> OverlayAsync(DashboardData data, string exp, string metric, string? runs)
    {
        if (metric.Length > 100)
            return Error(StatusCodes.Status400BadRequest, "a metric name has 100 characters at most.");
        var chosen = runs?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (chosen.FirstOrDefault(r => !Ids.IsValid(r)) is { } bad)
            return Error(StatusCodes.Status400BadRequest, Ids.Check(bad, "run")!);
        var status = await data.StatusAsync(exp);
        if (!status.Launched)
            return NoExperiment(exp);
        var selected = status
            .Runs.Where(r => chosen.Length == 0 || chosen.Contains(r.RunId))
            .OrderBy(r => r.Method, StringComparer.Ordinal)
            .ThenBy(r => r.Seed)
            .Take(MaxOverlayRuns)
            .ToList();
        var series = new List<ChartSeries>();
        foreach (var run in selected)
        {
            var metrics = await data.MetricsAsync(exp, run.RunId);
            series.Add(
                new ChartSeries(
                    $"{run.Method} s{run.Seed}",
                    run.Method,
                    metrics.TryGetValue(metric, out var points) ? points : []
                )
            );
        }
        return Svg(SvgChart.Render($"{metric} — {exp}", metric, series));
    }

    private static IResult Svg(string svg) => Results.Text(svg, "image/svg+xml; charset=utf-8");

    private static async Task<IResult> CancelAsync(DashboardData data, string exp)
    {
        var grain = data.Grains.GetGrain<IExperimentGrain>(exp);
        if (!(await grain.GetStatusAsync()).Launched)
            return NoExperiment(exp);
        int cancelled = await grain.CancelAsync();
        return Results.Json(new { experiment = exp, cancelled }, DashboardJson.Options);
    }

    private static async Task<IResult> RequeueAsync(DashboardData data, string exp, string run)
    {
        var grain = data.Grains.GetGrain<IRunGrain>(run);
        if ((await grain.GetStatusAsync()).ExperimentId != exp)
            return NoRun(exp, run);
        bool requeued = await grain.RequeueAsync();
        var state = (await grain.GetStatusAsync()).State;
        return Results.Json(
            new
            {
                run,
                requeued,
                state,
            },
            DashboardJson.Options
        );
    }
}
