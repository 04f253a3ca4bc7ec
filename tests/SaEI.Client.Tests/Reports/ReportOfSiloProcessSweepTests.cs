using SaEI.Client.Demo;
using SaEI.Client.Reports;
using SaEI.Client.Tests.Faults;
using SaEI.Client.Tests.Foundation;
using SaEI.Grains.Experiments;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;
using SaEI.Testing;
using SixLabors.ImageSharp;

namespace SaEI.Client.Tests.Reports;

/// <summary>
/// Issue 15: `saei report` of a sweep trained by a separate `saei silo --executor torch` process (not the demo's
/// in-process silo) writes the demo's artefacts (<see cref="SweepReport.Files"/>), each non-empty and valid. As
/// short as the real path allows: GRPO and SaEI, one seed, two steps, eight problems in and out of domain, k = 1.
/// </summary>
[Trait("Category", "Slow"), Collection(SiloProcess.Collection)]
public sealed class ReportOfSiloProcessSweepTests
{
    private static string Spec(string experiment) =>
        SweepSpecs.TinyTorch(experiment, steps: 2, seeds: 1, trainSize: 32, maxNewTokens: 12);

    [Fact]
    public async Task Report_of_a_sweep_trained_by_a_torch_silo_process_writes_the_demos_artefacts()
    {
        await Azurite.EnsureRunningAsync();
        string folder = Directory.CreateTempSubdirectory("saei-report-silo-").FullName;
        string experiment = $"test-rsp-{Guid.NewGuid():N}"[..24];
        string clusterId = $"rsp-{Guid.NewGuid():N}"[..16];
        string specPath = Path.Combine(folder, "spec.yaml");
        await File.WriteAllTextAsync(specPath, Spec(experiment));
        // The base model the demo builds on first use (SFT warm start), shared with the demo tests.
        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer);
        await blobs.EnsureContainerAsync();
        await DemoCommand.EnsureBaseModelAsync(
            SweepSpecParser.ParseOrThrow(Spec(experiment), specPath),
            new ModelStore(blobs),
            TextWriter.Null,
            CancellationToken.None
        );

        var environment = new Dictionary<string, string>
        {
            ["Saei__Storage"] = Azurite.ConnectionString,
            ["Saei__Executor"] = "torch",
            ["Saei__Torch__Device"] = "cpu",
            ["Saei__Torch__Threads"] = "1",
            ["Saei__Worker__Slots"] = "2",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__SaEI"] = "Information",
        };
        using var silo = await SiloProcess.StartAsync(clusterId, environment, TimeSpan.FromSeconds(90));
        string log() => $"\nsilo log:\n{silo.LogTail()}";
        string[] cluster = ["--cluster-id", clusterId, "--timeout", "60"];

        var launch = await Cli.RunAsync(["sweep", "launch", specPath, .. cluster]);
        Assert.True(launch.Code == 0, $"saei sweep launch: exit {launch.Code}\n{launch.Error}" + log());
        await using (var connection = await SiloKillTests.ConnectWhenUpAsync(clusterId, log))
        {
            var grain = connection.Client.GetGrain<IExperimentGrain>(experiment);
            SweepStatus status = null!;
            await Eventually.HoldsAsync(
                async () => (status = await grain.GetStatusAsync()).Finished,
                TimeSpan.FromMinutes(8),
                "both runs finished" + log(),
                TimeSpan.FromSeconds(1)
            );
            Assert.All(
                status.Runs,
                run => Assert.True(run.State == Grains.Runs.RunState.Completed, $"{run.RunId}: {run.State}" + log())
            );
        }

        string output = Path.Combine(folder, "report");
        var report = await Cli.RunAsync(["report", experiment, "--out", output, .. cluster]);

        Assert.True(report.Code == 0, $"saei report: exit {report.Code}\n{report.Error}" + log());
        Assert.Equal(
            SweepReport.Files.Order(StringComparer.Ordinal),
            Directory.GetFiles(output).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)
        );
        foreach (string file in SweepReport.Files)
        {
            string path = Path.Combine(output, file);
            Assert.True(new FileInfo(path).Length > 0, $"{file} is empty");
            if (!file.EndsWith(".png", StringComparison.Ordinal))
                continue;
            using var image = await Image.LoadAsync(path); // decodes, or throws naming the format problem
            Assert.True(image.Width > 100 && image.Height > 100, $"{file} is {image.Width}×{image.Height}");
        }
        string markdown = await File.ReadAllTextAsync(Path.Combine(output, SweepReport.ReportFile));
        Assert.Contains(
            "| Benchmark | Method | Δ vs grpo | 95% CI | Welch p | MDE | Seeds | Verdict |",
            markdown,
            StringComparison.Ordinal
        );
        Assert.Contains("| saei ", markdown, StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }
}
