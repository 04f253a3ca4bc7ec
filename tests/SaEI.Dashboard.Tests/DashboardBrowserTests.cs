using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SaEI.Dashboard.Tests.Browser;
using SaEI.Testing;
using Xunit.Abstractions;

namespace SaEI.Dashboard.Tests;

/// <summary>
/// Issue 16's acceptance in a real headless Chromium against a real silo, Azurite and `saei dashboard`
/// (docs/dashboard.md is the contract of URLs and data-testid hooks): live run states without a reload, the
/// leaderboard equal to `saei leaderboard --json`, a run's curves with data, and cancel refused without the token
/// (403) and done with it. Each test saves screenshots of the pages it saw (<see cref="Screenshots"/>).
/// </summary>
[Trait("Category", "Slow")]
public sealed class DashboardBrowserTests(DashboardFixture fixture, ITestOutputHelper output)
    : IClassFixture<DashboardFixture>
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    [BrowserFact]
    public async Task Experiment_page_shows_the_runs_reach_completed_without_a_reload()
    {
        // 8 steps of 1 s: slow enough that the page is seen before the end on a loaded machine, short for a test.
        string experiment = await fixture.LaunchSweepAsync(steps: 8, seeds: 2, stepMs: 1000);
        var page = await fixture.NewPageAsync();
        var errors = PageErrors.Watch(page);
        await page.GotoAsync($"experiments/{experiment}");
        await page.EvaluateAsync("() => { window.saeiNoReload = 'set before waiting'; }");
        int navigations = 0;
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
                Interlocked.Increment(ref navigations);
        };

        await Eventually.HoldsAsync(
            async () => (await RunStatesOnPageAsync(page)).Count == 4,
            TimeSpan.FromSeconds(20),
            $"the run table of {experiment} shows its 4 runs",
            Poll
        );
        var first = await RunStatesOnPageAsync(page);
        Assert.True(
            first.Any(s => s != "completed"),
            $"the sweep finished before the page first showed it "
                + $"({string.Join(", ", first)}): the test needs a slower step to see the runs move"
        );
        await Screenshots.SaveAsync(page, "experiment-running", output);

        await Eventually.HoldsAsync(
            async () => (await RunStatesOnPageAsync(page)).All(s => s == "completed"),
            TimeSpan.FromSeconds(90),
            $"every run of {experiment} shows 'completed' on the open page",
            Poll
        );
        Assert.Equal("set before waiting", await page.EvaluateAsync<string?>("() => window.saeiNoReload ?? null"));
        Assert.Equal(0, navigations);
        foreach (var row in await page.GetByTestId("run-row").AllAsync())
        {
            Assert.Equal("completed", (await row.GetByTestId("run-state").TextContentAsync())?.Trim());
            Assert.Equal("8/8", (await row.GetByTestId("run-step").TextContentAsync())?.Trim());
        }
        Assert.All((await fixture.RunStatesAsync(experiment)).Values, s => Assert.Equal("completed", s));
        await Screenshots.SaveAsync(page, "experiment-completed", output);
        await errors.AssertNoneAsync(page);

        await page.GotoAsync("");
        var listed = page.Locator($"[data-testid=experiment-row][data-experiment='{experiment}']");
        await Eventually.HoldsAsync(
            async () =>
                await listed.CountAsync() == 1
                && (await listed.GetByTestId("count-completed").TextContentAsync())?.Trim() == "4",
            TimeSpan.FromSeconds(20),
            $"the experiments page lists {experiment} with 4 completed",
            Poll
        );
        await Screenshots.SaveAsync(page, "experiments", output);
        await errors.AssertNoneAsync(page);
    }

    [BrowserFact]
    public async Task Leaderboard_page_rows_match_saei_leaderboard_json()
    {
        string experiment = await fixture.FinishedSweepAsync();
        var (code, json, error) = await fixture.CliAsync("leaderboard", experiment, "--json");
        Assert.True(code == 0, $"saei leaderboard {experiment} --json failed ({code}): {error}");
        using var cli = JsonDocument.Parse(json);
        var expected = cli
            .RootElement.GetProperty("rows")
            .EnumerateArray()
            .Select(row => new BoardRow(
                row.GetProperty("method").GetString()!,
                row.GetProperty("config_key").GetString()!,
                row.GetProperty("benchmark").GetString()!,
                100 * row.GetProperty("mean").GetDouble(),
                100 * row.GetProperty("std").GetDouble(),
                row.GetProperty("seeds").GetInt32()
            ))
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .ToList();
        Assert.True(expected.Count >= 4, $"expected rows for 2 methods × 2+ benchmarks, the CLI gave {json}");

        var page = await fixture.NewPageAsync();
        var errors = PageErrors.Watch(page);
        await page.GotoAsync($"experiments/{experiment}/leaderboard");
        await Eventually.HoldsAsync(
            async () => (await BoardRowsOnPageAsync(page)).Count == expected.Count,
            TimeSpan.FromSeconds(20),
            $"the leaderboard page of {experiment} shows {expected.Count} rows",
            Poll
        );
        var shown = (await BoardRowsOnPageAsync(page)).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();

        Assert.Equal(expected.Select(r => r.Key), shown.Select(r => r.Key));
        foreach (var (want, got) in expected.Zip(shown))
        {
            // The page shows points with two decimals: equal to the CLI's fraction × 100 up to that rounding.
            Assert.True(
                Math.Abs(want.Mean - got.Mean) <= 0.0051,
                $"{want.Key}: mean {got.Mean} on the page, {want.Mean} from the CLI"
            );
            Assert.True(
                Math.Abs(want.Std - got.Std) <= 0.0051,
                $"{want.Key}: std {got.Std} on the page, {want.Std} from the CLI"
            );
            Assert.Equal(want.Seeds, got.Seeds);
        }
        var comparisons = cli
            .RootElement.GetProperty("comparisons")
            .EnumerateArray()
            .Select(c => $"{c.GetProperty("method").GetString()}|{c.GetProperty("benchmark").GetString()}")
            .Order(StringComparer.Ordinal)
            .ToList();
        var comparisonsShown = await page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll('[data-testid=comparison-row]')]
              .map(r => `${r.dataset.method}|${r.dataset.benchmark}`)
            """
        );
        Assert.Equal(comparisons, comparisonsShown.Order(StringComparer.Ordinal));
        await Screenshots.SaveAsync(page, "leaderboard", output);
        await errors.AssertNoneAsync(page);
    }

    [BrowserFact]
    public async Task Run_page_shows_its_curves_with_data()
    {
        string experiment = await fixture.FinishedSweepAsync();
        string run = (await fixture.RunStatesAsync(experiment)).Keys.Order(StringComparer.Ordinal).First();
        var page = await fixture.NewPageAsync();
        var errors = PageErrors.Watch(page);
        await page.GotoAsync($"experiments/{experiment}/runs/{run}");

        await Eventually.HoldsAsync(
            async () =>
                (await page.GetByTestId("run-status").TextContentAsync())
                    ?.Trim()
                    .Contains("completed", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(20),
            $"the page of run {run} shows it completed",
            Poll
        );
        ChartImage[] charts = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                charts = await ChartImagesOnPageAsync(page);
                return charts.Length > 0 && charts.All(c => c.Loaded);
            },
            TimeSpan.FromSeconds(20),
            $"the page of run {run} shows chart images, each loaded (width > 0)",
            Poll
        );

        int longest = 0;
        foreach (var chart in charts)
        {
            var (lines, dots) = await DrawnAsync(page, chart);
            Assert.True(lines.Count > 0 || dots > 0, $"{chart.Id} ({chart.Source}) draws no line and no point");
            int points = lines.DefaultIfEmpty(0).Max();
            longest = Math.Max(longest, points);
            output.WriteLine($"{chart.Id}: {lines.Count} lines, longest {points} points, {dots} dots");
        }
        Assert.True(
            longest >= DashboardFixture.FinishedSweepSteps,
            $"no chart of run {run} has a line through its {DashboardFixture.FinishedSweepSteps} steps "
                + $"(longest {longest})"
        );
        await Screenshots.SaveAsync(page, "run", output);
        await errors.AssertNoneAsync(page);
    }

    [BrowserFact]
    public async Task Overlay_page_draws_one_entropy_curve_per_chosen_run()
    {
        string experiment = await fixture.FinishedSweepAsync();
        var page = await fixture.NewPageAsync();
        var errors = PageErrors.Watch(page);
        await page.GotoAsync($"experiments/{experiment}/overlay?metric=actor%2Fentropy");

        // Every run by default: 2 methods × 3 seeds, each line through every step (the paper's Fig. 2 layout).
        var all = await LoadedOverlayAsync(page, lines => lines.Count == 6, "6 lines (every run)");
        Assert.All(all, points => Assert.Equal(DashboardFixture.FinishedSweepSteps, points));
        await Screenshots.SaveAsync(page, "overlay", output);
        await Screenshots.SaveAsync(page, "overlay-top", output, height: 560); // docs/images/dashboard-overlay.png

        await page.GetByTestId("overlay-runs").Locator("input[type=checkbox]").First.UncheckAsync();
        await LoadedOverlayAsync(page, lines => lines.Count == 5, "5 lines after one run was unchecked");
        await errors.AssertNoneAsync(page);
    }

    /// <summary>Waits until chart-overlay shows a loaded chart whose lines satisfy <paramref name="expected"/>;
    /// returns the number of points of each line.</summary>
    private static async Task<IReadOnlyList<int>> LoadedOverlayAsync(
        IPage page,
        Func<IReadOnlyList<int>, bool> expected,
        string expectation
    )
    {
        IReadOnlyList<int> lines = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                var chart = (await ChartImagesOnPageAsync(page)).SingleOrDefault(c => c.Id == "chart-overlay");
                if (chart is not { Loaded: true })
                    return false;
                lines = (await DrawnAsync(page, chart)).Lines;
                return expected(lines);
            },
            TimeSpan.FromSeconds(20),
            $"the overlay chart shows {expectation}",
            Poll
        );
        return lines;
    }

    /// <summary>What a chart's SVG draws: the number of points of each polyline, and single-point dots.</summary>
    private static async Task<(IReadOnlyList<int> Lines, int Dots)> DrawnAsync(IPage page, ChartImage chart)
    {
        var answer = await page.APIRequest.GetAsync(chart.Source);
        Assert.True(answer.Ok, $"{chart.Id}: GET {chart.Source} answered {answer.Status}");
        string svg = await answer.TextAsync();
        var lines = Regex
            .Matches(svg, "<polyline[^>]*points=\"([^\"]*)\"")
            .Select(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)
            .ToList();
        return (lines, Regex.Matches(svg, "<circle").Count);
    }

    [BrowserFact]
    public async Task Cancel_is_refused_without_the_token_and_cancels_the_sweep_with_it()
    {
        // 60 steps of 1 s: every run is still pending or running when it is cancelled.
        string experiment = await fixture.LaunchSweepAsync(steps: 60, seeds: 2, stepMs: 1000);
        var page = await fixture.NewPageAsync();
        var errors = PageErrors.Watch(page);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // a confirm() before cancelling, if any
        await page.GotoAsync($"experiments/{experiment}");
        await Eventually.HoldsAsync(
            async () => (await RunStatesOnPageAsync(page)).Count == 4,
            TimeSpan.FromSeconds(20),
            $"the run table of {experiment} shows its 4 runs",
            Poll
        );
        Assert.Equal("read-only", (await page.GetByTestId("token-state").TextContentAsync())?.Trim());

        string cancelUrl = $"{fixture.Url}api/experiments/{experiment}/cancel";
        var bare = await page.APIRequest.PostAsync(cancelUrl);
        Assert.Equal(403, bare.Status);
        var wrong = await page.APIRequest.PostAsync(
            cancelUrl,
            new APIRequestContextOptions
            {
                Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer not-the-token" },
            }
        );
        Assert.Equal(403, wrong.Status);
        var button = page.GetByTestId("cancel-button");
        if (await button.IsEnabledAsync())
        {
            // The page's own request without a token: refused, and the page says so.
            var refused = await page.RunAndWaitForResponseAsync(() => button.ClickAsync(), IsCancel(experiment));
            Assert.Equal(403, refused.Status);
            await Eventually.HoldsAsync(
                async () =>
                    (await page.GetByTestId("action-result").TextContentAsync()) is { Length: > 0 } text
                    && !text.Contains("cancelled", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                "the page shows the refusal in action-result",
                Poll
            );
        }
        Assert.DoesNotContain("cancelled", (await fixture.RunStatesAsync(experiment)).Values);
        await Screenshots.SaveAsync(page, "cancel-refused", output);

        await page.GetByTestId("token-input").FillAsync(fixture.Token);
        await page.GetByTestId("token-save").ClickAsync();
        Assert.Equal("token set", (await page.GetByTestId("token-state").TextContentAsync())?.Trim());
        var accepted = await page.RunAndWaitForResponseAsync(() => button.ClickAsync(), IsCancel(experiment));
        Assert.Equal(200, accepted.Status);
        await Eventually.HoldsAsync(
            async () =>
                (await page.GetByTestId("action-result").TextContentAsync())?.Contains(
                    "cancelled 4 runs",
                    StringComparison.Ordinal
                ) == true,
            TimeSpan.FromSeconds(10),
            "the page says 'cancelled 4 runs'",
            Poll
        );
        await Eventually.HoldsAsync(
            async () => (await RunStatesOnPageAsync(page)).All(s => s == "cancelled"),
            TimeSpan.FromSeconds(30),
            $"every run of {experiment} shows 'cancelled' on the page",
            Poll
        );
        Assert.All((await fixture.RunStatesAsync(experiment)).Values, s => Assert.Equal("cancelled", s));
        await Screenshots.SaveAsync(page, "cancelled", output);
        // The refused cancel: its answer, and Chromium's console line about it.
        await errors.AssertNoneAsync(page, "status of 403", $"response: 403 POST {fixture.Url}api/experiments/");
    }

    private static Func<IResponse, bool> IsCancel(string experiment) =>
        response =>
            response.Request.Method == "POST"
            && response.Url.EndsWith($"/api/experiments/{experiment}/cancel", StringComparison.Ordinal);

    private static async Task<IReadOnlyList<string>> RunStatesOnPageAsync(IPage page) =>
        await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('[data-testid=run-row]')].map(r => r.dataset.state ?? '')"
        );

    private static async Task<IReadOnlyList<BoardRow>> BoardRowsOnPageAsync(IPage page)
    {
        string json = await page.EvaluateAsync<string>(
            """
            () => JSON.stringify([...document.querySelectorAll('[data-testid=leaderboard-row]')].map(r => {
              const cell = id => r.querySelector(`[data-testid=${id}]`)?.textContent ?? '';
              return [r.dataset.method ?? '', r.dataset.config ?? '', r.dataset.benchmark ?? '',
                      cell('lb-mean'), cell('lb-std'), cell('lb-seeds')];
            }))
            """
        );
        return JsonSerializer
            .Deserialize<string[][]>(json)!
            .Select(cells => new BoardRow(
                cells[0],
                cells[1],
                cells[2],
                Number(cells[3]),
                Number(cells[4]),
                (int)Number(cells[5])
            ))
            .ToList();
    }

    private static async Task<ChartImage[]> ChartImagesOnPageAsync(IPage page)
    {
        string json = await page.EvaluateAsync<string>(
            """
            () => JSON.stringify([...document.querySelectorAll('[data-testid^="chart-"]')].map(element => {
              const image = element.tagName === 'IMG' ? element : element.querySelector('img');
              return [element.dataset.testid, image?.currentSrc || image?.src || '',
                      image !== null && image.complete && image.naturalWidth > 0 ? 'yes' : 'no'];
            }))
            """
        );
        return
        [
            .. JsonSerializer
                .Deserialize<string[][]>(json)!
                .Select(cells => new ChartImage(cells[0], cells[1], cells[2] == "yes")),
        ];
    }

    /// <summary>The first number in a cell ("61.23", "± 1.05", "3"); NaN when there is none.</summary>
    private static double Number(string text) =>
        Regex.Match(text, @"-?\d+(\.\d+)?") is { Success: true } m
            ? double.Parse(m.Value, CultureInfo.InvariantCulture)
            : double.NaN;

    /// <summary>A leaderboard row in points (the CLI's fractions × 100).</summary>
    private sealed record BoardRow(string Method, string Config, string Benchmark, double Mean, double Std, int Seeds)
    {
        public string Key => $"{Method}|{Config}|{Benchmark}";
    }

    private sealed record ChartImage(string Id, string Source, bool Loaded);
}
