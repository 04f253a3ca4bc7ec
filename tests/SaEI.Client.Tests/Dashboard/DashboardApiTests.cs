using System.Net;
using System.Text.Json.Nodes;
using SaEI.Testing;

namespace SaEI.Client.Tests.Dashboard;

/// <summary>
/// The dashboard's JSON API over real HTTP (Kestrel in a real silo, the simulated executor, Azurite): what a sweep's
/// pages show, the leaderboard equal to `saei leaderboard --json`, a run's curves and checkpoints, the downloads.
/// </summary>
public sealed class DashboardApiTests(DashboardSilo dashboard) : IClassFixture<DashboardSilo>
{
    private static readonly Dictionary<string, string> Fast = new() { ["sim_step_ms"] = "2" };

    [Fact]
    public async Task Experiment_pages_show_every_run_of_a_finished_sweep_with_counts_steps_and_metrics()
    {
        string experiment = await dashboard.LaunchAsync(steps: 4, seeds: 2, Fast);
        await dashboard.WaitForAllAsync(experiment, "completed", TimeSpan.FromSeconds(60));

        var page = await dashboard.GetJsonAsync($"/api/experiments/{experiment}");
        var runs = page["runs"]!.AsArray();
        Assert.Equal(4, runs.Count);
        Assert.Equal(["grpo", "saei"], runs.Select(r => r!["method"]!.GetValue<string>()).Distinct().Order());
        foreach (var run in runs)
        {
            Assert.Equal(4, run!["step"]!.GetValue<int>());
            Assert.Equal(4, run["total_steps"]!.GetValue<int>());
            Assert.Equal(0, run["restarts"]!.GetValue<int>());
            Assert.InRange(run["reward"]!.GetValue<double>(), 0, 1);
            Assert.True(run["entropy"]!.GetValue<double>() >= 0);
            Assert.InRange(run["accuracy"]!.GetValue<double>(), 0, 1);
        }
        Assert.Equal(4, page["counts"]!["completed"]!.GetValue<int>());
        Assert.Equal(0, page["counts"]!["running"]!.GetValue<int>());
        Assert.Equal(1.0, page["progress"]!.GetValue<double>());
        Assert.True(page["finished"]!.GetValue<bool>());
        using var gzipped = new HttpRequestMessage(HttpMethod.Get, $"/api/experiments/{experiment}");
        gzipped.Headers.AcceptEncoding.ParseAdd("gzip");
        var compressed = await dashboard.Http.SendAsync(gzipped);
        Assert.Equal("gzip", Assert.Single(compressed.Content.Headers.ContentEncoding));
        await using (
            var unzip = new System.IO.Compression.GZipStream(
                await compressed.Content.ReadAsStreamAsync(),
                System.IO.Compression.CompressionMode.Decompress
            )
        )
            Assert.True(JsonNode.DeepEquals(page, await JsonNode.ParseAsync(unzip)));

        await Eventually.HoldsAsync(
            async () =>
            {
                var list = await dashboard.GetJsonAsync("/api/experiments");
                var row = list["experiments"]!
                    .AsArray()
                    .FirstOrDefault(e => e!["experiment"]!.GetValue<string>() == experiment);
                return row is not null
                    && row["counts"]!["completed"]!.GetValue<int>() == 4
                    && row["runs"]!.GetValue<int>() == 4;
            },
            TimeSpan.FromSeconds(20),
            $"{experiment} in the experiments list with 4 completed runs"
        );
    }

    [Fact]
    public async Task Leaderboard_json_equals_saei_leaderboard_json_and_the_downloads_carry_the_same_rows()
    {
        string experiment = await dashboard.LaunchAsync(steps: 3, seeds: 2, Fast);
        await dashboard.WaitForAllAsync(experiment, "completed", TimeSpan.FromSeconds(60));

        var cli = await Foundation.Cli.RunAsync(
            "leaderboard",
            experiment,
            "--json",
            "--gateway-port",
            dashboard.GatewayPort.ToString()
        );
        Assert.True(cli.Code == 0, cli.Error);
        var expected = JsonNode.Parse(cli.Output)!;
        var served = await dashboard.GetJsonAsync($"/api/experiments/{experiment}/leaderboard");
        Assert.True(JsonNode.DeepEquals(expected, served), $"CLI:\n{expected}\nAPI:\n{served}");
        Assert.Equal(4, served["rows"]!.AsArray().Count); // 2 methods × (in-domain, synth-hard)
        Assert.Equal(2, served["comparisons"]!.AsArray().Count); // saei against grpo on both

        var json = await dashboard.Http.GetAsync($"/api/experiments/{experiment}/leaderboard.json");
        Assert.Equal("attachment", json.Content.Headers.ContentDisposition?.DispositionType);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(await json.Content.ReadAsStringAsync())));
        string csv = await dashboard.Http.GetStringAsync($"/api/experiments/{experiment}/leaderboard.csv");
        string[] lines = csv.TrimEnd('\n').Split('\n');
        Assert.StartsWith(
            "benchmark,method,config,seeds,mean,std,baseline,difference,low,high",
            lines[0],
            StringComparison.Ordinal
        );
        Assert.Equal(5, lines.Length);
        Assert.Contains(
            lines,
            l =>
                l.StartsWith("in-domain,saei,", StringComparison.Ordinal)
                && (
                    l.EndsWith(",better", StringComparison.Ordinal)
                    || l.EndsWith(",worse", StringComparison.Ordinal)
                    || l.EndsWith(",no-difference", StringComparison.Ordinal)
                )
        );
        string markdown = await dashboard.Http.GetStringAsync($"/api/experiments/{experiment}/leaderboard.md");
        Assert.Contains("±", markdown, StringComparison.Ordinal);
        Assert.Contains("## Differences to grpo", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_page_has_its_curves_checkpoints_with_hashes_and_svg_charts()
    {
        string experiment = await dashboard.LaunchAsync(steps: 4, seeds: 1, Fast);
        await dashboard.WaitForAllAsync(experiment, "completed", TimeSpan.FromSeconds(60));
        var runs = (await dashboard.GetJsonAsync($"/api/experiments/{experiment}"))["runs"]!.AsArray();
        string run = runs.First(r => r!["method"]!.GetValue<string>() == "saei")!["run"]!.GetValue<string>();

        var page = await dashboard.GetJsonAsync($"/api/experiments/{experiment}/runs/{run}");
        Assert.Equal("completed", page["status"]!["state"]!.GetValue<string>());
        var entropy = page["metrics"]!["actor/entropy"]!.AsArray();
        Assert.Equal([1, 2, 3, 4], entropy.Select(p => p![0]!.GetValue<int>()));
        Assert.Contains(page["metrics"]!.AsObject(), m => m.Key == "reward/overall");
        var checkpoints = page["checkpoints"]!.AsArray();
        Assert.NotEmpty(checkpoints);
        Assert.Contains(checkpoints, c => c!["step"]!.GetValue<int>() == 4);
        foreach (var checkpoint in checkpoints)
        {
            Assert.True(checkpoint!["intact"]!.GetValue<bool>(), checkpoint.ToJsonString());
            Assert.All(
                checkpoint["files"]!.AsArray(),
                f => Assert.Matches("^[0-9a-f]{64}$", f!["sha256"]!.GetValue<string>())
            );
        }

        var chart = await dashboard.Http.GetAsync(
            $"/api/experiments/{experiment}/runs/{run}/chart.svg?metric=actor/entropy"
        );
        Assert.Equal("image/svg+xml", chart.Content.Headers.ContentType?.MediaType);
        string svg = await chart.Content.ReadAsStringAsync();
        Assert.Contains("<polyline", svg, StringComparison.Ordinal);
        Assert.Equal(4, svg.Split("<polyline")[1].Split("points=\"")[1].Split('"')[0].Split(' ').Length);
        string overlay = await dashboard.Http.GetStringAsync(
            $"/api/experiments/{experiment}/chart.svg?metric=actor/entropy&runs="
                + string.Join(',', runs.Select(r => r!["run"]))
        );
        Assert.Equal(2, overlay.Split("<polyline").Length - 1);
        Assert.DoesNotContain("<script", overlay, StringComparison.OrdinalIgnoreCase);

        var page404 = await dashboard.Http.GetAsync($"/api/experiments/{experiment}/runs/{runs[0]!["run"]}x");
        Assert.Equal(HttpStatusCode.NotFound, page404.StatusCode);
    }
}
