using System.Text.RegularExpressions;
using SaEI.Client.Demo;
using SaEI.Client.Reports;
using SaEI.Client.Tests.Commands;
using SaEI.Client.Tests.Foundation;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Client.Tests.Demo;

/// <summary>
/// The quick demo path end to end on real parts (TorchSharp, an in-process silo, Azurite), with small settings: a
/// unique experiment of 2 methods × 3 seeds × a few steps on the quick base model (built by SFT on first use).
/// One class, so the tests run one after another and share the base model.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class DemoEndToEndTests
{
    private static string Spec(string experiment, int steps) =>
        SweepSpecs.TinyTorch(experiment, steps, seeds: 3, trainSize: 128, maxNewTokens: 20);

    private static string NewFolder(string name) => Scratch.NewFolder(name);

    [Fact]
    public async Task Quick_demo_ends_with_a_three_seed_leaderboard_plots_and_a_report()
    {
        await Azurite.EnsureRunningAsync();
        string folder = NewFolder("demo");
        string spec = Path.Combine(folder, "spec.yaml");
        string experiment = $"test-demo-{Guid.NewGuid():N}"[..24];
        await File.WriteAllTextAsync(spec, Spec(experiment, steps: 2));
        var output = new StringWriter();

        int exit = await DemoCommand.RunAsync(
            new DemoCommand.DemoRequest("quick", spec, Path.Combine(folder, "out")),
            output,
            CancellationToken.None
        );

        Assert.True(exit == 0, $"demo exited {exit}:\n{output}");
        string leaderboard = await File.ReadAllTextAsync(Path.Combine(folder, "out", "leaderboard.md"));
        foreach (string method in new[] { "grpo", "saei" })
        {
            // A row per method with mean ± std cells for the in-domain and the out-of-domain benchmark.
            var row = leaderboard.Split('\n').Single(line => line.StartsWith($"| {method} ", StringComparison.Ordinal));
            Assert.Equal(2, CellPattern().Matches(row).Count);
            // '*' marks a single-seed cell: every cell has 3 seeds
            Assert.DoesNotContain("*", row, StringComparison.Ordinal);
        }
        Assert.Contains("in-domain", leaderboard, StringComparison.Ordinal);
        Assert.Contains("synth-hard", leaderboard, StringComparison.Ordinal);
        foreach (string png in SweepReport.Files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            byte[] bytes = await File.ReadAllBytesAsync(Path.Combine(folder, "out", png));
            Assert.True(
                bytes.Length > 2000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G',
                $"{png} is not a PNG plot"
            );
        }
        string report = await File.ReadAllTextAsync(Path.Combine(folder, "out", "report.md"));
        Assert.Contains("## Verdict", report, StringComparison.Ordinal);
        // Verdicts come from the intervals, one per method and benchmark, with the comparison table beside them.
        Assert.Matches(
            @"- saei vs grpo on in-domain: (better|worse|no difference detectable \(MDE \d+\.\d\d points\)), "
                + @"[+-]?\d+\.\d\d points \[",
            report
        );
        Assert.Matches(@"- saei vs grpo on synth-hard: ", report);
        Assert.Contains(
            "| Benchmark | Method | Δ vs grpo | 95% CI | Welch p | MDE | Seeds | Verdict |",
            report,
            StringComparison.Ordinal
        );
        Assert.Contains("![forest](forest.png)", report, StringComparison.Ordinal);
        Assert.Contains("![entropy](entropy.png)", report, StringComparison.Ordinal);
        Assert.Contains("| grpo ", report, StringComparison.Ordinal);
        // No fault is injected here: a restart would be a spontaneous failure (issue #11 item 1).
        Assert.Contains("Restarts: 0 over 6 runs.", report, StringComparison.Ordinal);
        Assert.Contains("Restarts: 0 over 6 runs.", output.ToString(), StringComparison.Ordinal);

        await AssertReportWritesTheSameFilesAsync(
            experiment,
            Path.Combine(folder, "out"),
            Path.Combine(folder, "report")
        );
    }

    /// <summary>
    /// `saei report` of the demo's sweep, read through another silo (the demo's own has stopped) and storage, writes
    /// the files the demo wrote, with the same leaderboard and report text.
    /// </summary>
    private static async Task AssertReportWritesTheSameFilesAsync(
        string experiment,
        string demoFolder,
        string reportFolder
    )
    {
        var (silo, gatewayPort) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
        try
        {
            var report = await Cli.RunAsync(
                "report",
                experiment,
                "--out",
                reportFolder,
                "--gateway-port",
                gatewayPort.ToString()
            );
            Assert.True(report.Code == 0, $"saei report: exit {report.Code}\n{report.Error}");
            static List<string> Files(string folder) =>
                [.. Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];
            Assert.Equal(SweepReport.Files.Order(StringComparer.Ordinal), Files(demoFolder));
            Assert.Equal(Files(demoFolder), Files(reportFolder));
            foreach (string markdown in new[] { "leaderboard.md", "report.md" })
                Assert.Equal(
                    await File.ReadAllTextAsync(Path.Combine(demoFolder, markdown)),
                    await File.ReadAllTextAsync(Path.Combine(reportFolder, markdown))
                );
        }
        finally
        {
            await silo.StopAsync();
            silo.Dispose();
        }
    }

    /// <summary>
    /// Ctrl-C (SIGINT) to a real `saei demo --quick` process once a run has completed, then the same command again:
    /// the second run finishes the sweep, never runs a completed run again, and resumes the rest.
    /// </summary>
    [Fact]
    public async Task Interrupted_quick_demo_continues_without_rerunning_completed_runs()
    {
        await Azurite.EnsureRunningAsync();
        string folder = NewFolder("demo-interrupt");
        string spec = Path.Combine(folder, "spec.yaml");
        await File.WriteAllTextAsync(spec, Spec($"test-ctrlc-{Guid.NewGuid():N}"[..24], steps: 4));
        string[] args = ["demo", "--quick", "--spec", spec, "--out", Path.Combine(folder, "out"), "--slots", "1"];

        var first = await DemoProcess.RunAsync(
            args,
            interruptWhen: line => line.Contains("→ completed", StringComparison.Ordinal)
        );
        Assert.True(first.Interrupted, $"the first demo finished before it could be interrupted:\n{first.Output}");
        Assert.Equal(130, first.ExitCode);
        var completedFirst = Transitions(first.Output).Where(t => t.To == "completed").Select(t => t.Run).ToHashSet();
        Assert.NotEmpty(completedFirst);

        var second = await DemoProcess.RunAsync(args, interruptWhen: null);
        Assert.True(second.ExitCode == 0, $"the second demo failed:\n{second.Output}");
        // the same spec relaunched creates nothing
        Assert.Contains("already", second.Output, StringComparison.OrdinalIgnoreCase);
        var transitions = Transitions(second.Output);
        foreach (string run in completedFirst)
        {
            // A completed run is reported completed from the first look and never runs again.
            Assert.Equal("completed", transitions.First(t => t.Run == run).To);
            Assert.DoesNotContain(transitions, t => t.Run == run && t.To == "running");
        }
        Assert.Equal(6, transitions.Where(t => t.To == "completed").Select(t => t.Run).Distinct().Count());
        Assert.True(File.Exists(Path.Combine(folder, "out", "report.md")));
    }

    private static List<(string Run, string To)> Transitions(string output) =>
        [.. TransitionPattern().Matches(output).Select(m => (m.Groups["run"].Value, m.Groups["to"].Value))];

    [GeneratedRegex(@"\d+\.\d\d ± \d+\.\d\d")]
    private static partial Regex CellPattern();

    [GeneratedRegex(@"^run (?<run>\S+): (?:\w+ → )?(?<to>\w+) at step", RegexOptions.Multiline)]
    private static partial Regex TransitionPattern();
}
