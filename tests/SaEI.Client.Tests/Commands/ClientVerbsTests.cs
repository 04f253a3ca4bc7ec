using System.Text.Json;
using Microsoft.Extensions.Hosting;
using SaEI.Testing;

namespace SaEI.Client.Tests.Commands;

/// <summary>The client verbs against a real local silo (`saei silo` in-process, localhost clustering,
/// Azurite).</summary>
public sealed class ClientVerbsTests : IAsyncLifetime
{
    private int gatewayPort;
    private IHost silo = null!;

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        (silo, gatewayPort) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
    }

    public async Task DisposeAsync()
    {
        await silo.StopAsync();
        silo.Dispose();
    }

    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var (code, output, _) = await RunWithErrorsAsync(args);
        return (code, output);
    }

    private Task<Foundation.Cli.Result> RunWithErrorsAsync(params string[] args) =>
        Foundation.Cli.RunAsync([.. args, "--gateway-port", gatewayPort.ToString()]);

    [Fact]
    public async Task Launch_watch_status_leaderboard_and_run_show_work_end_to_end_with_json()
    {
        string experiment = TestSpecs.NewExperimentId();
        string spec = await TestSpecs.WriteAsync(TestSpecs.Spec(experiment, steps: 4, seeds: 3));

        var (launchCode, launch) = await RunAsync("sweep", "launch", spec, "--step-ms", "2");
        Assert.Equal(0, launchCode);
        Assert.Contains("6 runs stored and queued", launch, StringComparison.Ordinal);

        var (watchCode, watch) = await RunAsync("watch", experiment, "--interval", "1", "--json");
        Assert.Equal(0, watchCode); // watch returns once every run finished

        var (_, statusJson) = await RunAsync("sweep", "status", experiment, "--json");
        using var status = JsonDocument.Parse(statusJson);
        var runs = status.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(6, runs.Count);
        foreach (var run in runs)
        {
            foreach (string field in new[] { "run", "method", "seed", "state", "step", "restarts", "epoch", "worker" })
                Assert.True(run.TryGetProperty(field, out _), $"sweep status --json lacks '{field}'");
            Assert.Equal("completed", run.GetProperty("state").GetString());
            Assert.Equal(4, run.GetProperty("step").GetInt32());
            Assert.Equal(0, run.GetProperty("restarts").GetInt32());
        }

        var (_, table) = await RunAsync("sweep", "status", experiment);
        Assert.Contains("6 completed", table, StringComparison.Ordinal);
        Assert.Contains("4/4", table, StringComparison.Ordinal);

        var (_, boardJson) = await RunAsync("leaderboard", experiment, "--benchmark", "synth-hard", "--json");
        using var board = JsonDocument.Parse(boardJson);
        var rows = board.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(3, r.GetProperty("seeds").GetInt32()));
        // The comparison with grpo carries the interval, Welch's test, the MDE and the verdict (issue 14).
        Assert.Equal("grpo", board.RootElement.GetProperty("baseline").GetString());
        var comparison = Assert.Single(board.RootElement.GetProperty("comparisons").EnumerateArray());
        foreach (
            string field in new[]
            {
                "difference",
                "low",
                "high",
                "standard_error",
                "welch_t",
                "welch_df",
                "welch_p",
                "mde",
            }
        )
            Assert.True(
                comparison.GetProperty(field).ValueKind == JsonValueKind.Number,
                $"leaderboard --json comparison lacks a number '{field}'"
            );
        Assert.Matches("^(better|worse|no-difference)$", comparison.GetProperty("verdict").GetString());
        Assert.Equal("synth-hard", comparison.GetProperty("benchmark").GetString());
        var (_, boardText) = await RunAsync("leaderboard", experiment);
        Assert.Contains("±", boardText, StringComparison.Ordinal);
        Assert.Contains("Against grpo", boardText, StringComparison.Ordinal);

        string runId = runs[0].GetProperty("run").GetString()!;
        var (_, show) = await RunAsync("run", "show", runId, "--json");
        using var shown = JsonDocument.Parse(show);
        Assert.Equal(runId, shown.RootElement.GetProperty("run_id").GetString());
        Assert.Equal(64, shown.RootElement.GetProperty("final_weights_sha256").GetString()!.Length);

        var (relaunchCode, relaunch) = await RunAsync("sweep", "launch", spec);
        Assert.Equal(0, relaunchCode);
        Assert.Contains("no run was created", relaunch, StringComparison.Ordinal);
        string changed = await TestSpecs.WriteAsync(TestSpecs.Spec(experiment, steps: 5, seeds: 3));
        var (refusedCode, refused) = await RunAsync("sweep", "launch", changed);
        Assert.Equal(1, refusedCode);
        Assert.Contains("different spec", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_writes_the_leaderboard_plots_and_report_of_a_sweep_run_by_the_silo()
    {
        string experiment = TestSpecs.NewExperimentId();
        string spec = await TestSpecs.WriteAsync(TestSpecs.Spec(experiment, steps: 3, seeds: 2));
        Assert.Equal(0, (await RunAsync("sweep", "launch", spec, "--step-ms", "2")).Code);
        Assert.Equal(0, (await RunAsync("watch", experiment, "--interval", "1", "--json")).Code);
        string folder = Path.Combine(Path.GetTempPath(), $"saei-report-{Guid.NewGuid():N}");
        try
        {
            var report = await RunWithErrorsAsync("report", experiment, "--out", folder);

            Assert.True(report.Code == 0, $"saei report: exit {report.Code}\n{report.Error}");
            Assert.StartsWith("Report: ", report.Output, StringComparison.Ordinal);
            string[] demoFiles =
            [
                "leaderboard.md",
                "report.md",
                "entropy.png",
                "accuracy.png",
                "reward.png",
                "forest.png",
                "adversarial-pairs.png",
            ];
            var written = Directory.GetFiles(folder).Select(Path.GetFileName).ToList();
            Assert.All(written, file => Assert.Contains(file, demoFiles));
            Assert.Contains("leaderboard.md", written);
            Assert.Contains("forest.png", written);
            string markdown = await File.ReadAllTextAsync(Path.Combine(folder, "report.md"));
            Assert.Contains($"# SaEI sweep: {experiment}", markdown, StringComparison.Ordinal);
            Assert.Contains("## Verdict", markdown, StringComparison.Ordinal);
            Assert.Contains("Restarts: 0 over 4 runs.", markdown, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        var never = await RunWithErrorsAsync("report", TestSpecs.NewExperimentId(), "--out", folder);
        Assert.Equal(1, never.Code);
        Assert.Contains("was never launched", never.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder), "a report of an unknown sweep writes nothing");
    }

    [Fact]
    public async Task Bad_input_is_a_message_naming_it()
    {
        var missing = await RunWithErrorsAsync("sweep", "launch", "/nonexistent/spec.yaml");
        Assert.Equal(1, missing.Code);
        Assert.Contains("/nonexistent/spec.yaml", missing.Error, StringComparison.Ordinal);
        var unknown = await RunWithErrorsAsync("sweep", "status", "x", "--jsn");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("--jsn", unknown.Error, StringComparison.Ordinal);
        var run = await RunWithErrorsAsync("run", "show", "no-such-run");
        Assert.Equal(1, run.Code);
        Assert.Contains("no-such-run", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }
}
