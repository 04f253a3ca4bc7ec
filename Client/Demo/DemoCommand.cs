using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using SaEI.Client.Commands;
using SaEI.Client.Reports;
using SaEI.Gpu.Training.Sft;
using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;
using SaEI.Silo;

namespace SaEI.Client.Demo;

/// <summary>
/// `saei demo [--quick | --study] [--out DIR] [--slots N] [--spec FILE]`: the main job. Starts a local silo on Azurite,
/// builds the base model once (SFT warm start, kept in blob storage as models/{name}; the preset is the name's suffix,
/// e.g. models/tiny-vlm-sft-headroom), launches a sweep of examples/, shows the live run table, and ends with the
/// leaderboard, the intervals of every method against GRPO and an output folder of plots and a report. Presets:
/// <c>--quick</c> GRPO vs SaEI on the counting task, a few steps (examples/synthetic-demo-quick.yaml); the default
/// GRPO, SaEI, NoisyRollout and KL-Cov × 3 seeds on the compare task (examples/synthetic-demo.yaml);
/// <c>--study</c> those four and the EgAS-only and random-noise ablations × 5 seeds
/// (examples/synthetic-demo-study.yaml). Interrupted (Ctrl-C) and run again, it continues: the same
/// spec relaunched is a no-op, finished runs are kept, unfinished ones resume from their last checkpoint.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "GRPO vs SaEI on the counting task, a few steps." };
        var study = new Option<bool>("--study") { Description = "Six methods (with the ablations) × 5 seeds." };
        var output = VerbOptions.Text("--out", "DIR", "The output folder [default: out/<experiment>].");
        var slots = VerbOptions.PositiveInt("--slots", "N", "Runs trained at once [default: 2, at most the cores].");
        var spec = VerbOptions.Text("--spec", "FILE", "Run this sweep spec instead of the preset's examples/ file.");
        var command = new Command(
            "demo",
            "The main job: a multi-seed sweep on the synthetic task on a local silo, then the leaderboard, the "
                + "intervals against GRPO, plots and a report. Ctrl-C and the same command again continue it."
        )
        {
            quick,
            study,
            output,
            slots,
            spec,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(quick) && result.GetValue(study))
                result.AddError("--quick and --study are two presets; choose one.");
        });
        command.SetAction(
            (parse, cancellation) =>
                RunAsync(
                    new DemoRequest(
                        parse.GetValue(quick) ? "quick"
                            : parse.GetValue(study) ? "study"
                            : "default",
                        parse.GetValue(spec),
                        parse.GetValue(output),
                        parse.GetValue(slots)
                    ),
                    parse.InvocationConfiguration.Output,
                    cancellation
                )
        );
        return command;
    }

    /// <summary>What `saei demo` was asked: a preset (quick, default, study) and the optional overrides.</summary>
    public sealed record DemoRequest(
        string Preset = "default",
        string? Spec = null,
        string? Output = null,
        int? Slots = null
    );

    public static async Task<int> RunAsync(DemoRequest request, TextWriter output, CancellationToken cancellation)
    {
        string preset = request.Preset;
        string specPath = request.Spec ?? Path.Combine(RepositoryRoot(), "examples", SpecFile(preset));
        if (!File.Exists(specPath))
            throw new UserFacingException(
                $"demo spec '{specPath}' does not exist; pass --spec <file> or run from the repository."
            );
        // bounded, strict UTF-8
        var (yaml, readError) = await SweepSpecParser.ReadFileAsync(specPath, cancellation: cancellation);
        var spec = SweepSpecParser.ParseOrThrow(yaml ?? throw new UserFacingException(readError!.Message), specPath);
        string folder = Path.GetFullPath(request.Output ?? Path.Combine("out", spec.Experiment));
        int slots = request.Slots ?? Math.Max(1, Math.Min(2, Environment.ProcessorCount));
        var clock = Stopwatch.StartNew();
        await output.WriteLineAsync(
            $"SaEI demo{(preset == "default" ? "" : $" ({preset})")}: "
                + $"{string.Join(" vs ", spec.Methods.Select(m => m.Name))}, seeds {string.Join(", ", spec.Seeds)}, "
                + $"{spec.Steps} steps each; {slots} run(s) at a time; output → {folder}"
        );

        using var host = SaeiSilo.Build(
            [
                "--role",
                "all",
                "--port",
                FreePort().ToString(CultureInfo.InvariantCulture),
                "--gateway-port",
                FreePort().ToString(CultureInfo.InvariantCulture),
            ],
            settings: Settings(slots)
        );
        await host.StartAsync(cancellation);
        try
        {
            var blobs = host.Services.GetRequiredService<ResilientBlobStore>();
            await blobs.EnsureContainerAsync(cancellation);
            await EnsureBaseModelAsync(spec, new ModelStore(blobs), output, cancellation);

            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var launch = await grains
                .GetGrain<IExperimentGrain>(spec.Experiment)
                .LaunchAsync(yaml, new Dictionary<string, string>());
            if (launch.Outcome == LaunchOutcome.Refused)
                throw new UserFacingException(
                    $"{launch.Message}\n(to start over, give the spec a new `experiment:` id, or remove .azurite/ to "
                        + $"forget every sweep)"
                );
            await output.WriteLineAsync(launch.Message);

            await WatchAsync(grains.GetGrain<IExperimentGrain>(spec.Experiment), output, cancellation);
            // The same reading and writing as `saei report`: the folder is what a report of this sweep gives.
            var results = await SweepResults.LoadAsync(
                grains,
                blobs,
                spec.Experiment,
                LeaderboardComparisons.DefaultBaseline,
                cancellation
            );
            var (status, comparisons) = (results.Status, results.Comparisons);
            var written = await SweepReport.WriteAsync(folder, results, blobs, cancellation);
            await output.WriteLineAsync();
            string leaderboard = Path.Combine(folder, SweepReport.LeaderboardFile);
            await output.WriteLineAsync(await File.ReadAllTextAsync(leaderboard, cancellation));
            await output.WriteLineAsync(SweepReport.Verdict(comparisons));
            await output.WriteLineAsync(SweepReport.RestartsLine(status));
            await output.WriteLineAsync(
                $"Report: {written.Report}; plots: "
                    + $"{string.Join(", ", written.Plots.Select(Path.GetFileName))}"
                    + $"{(written.Pairs is null ? "" : ", " + Path.GetFileName(written.Pairs))}"
            );
            await output.WriteLineAsync(
                string.Create(CultureInfo.InvariantCulture, $"Done in {clock.Elapsed.TotalMinutes:0.0} min.")
            );
            return status.Runs.Any(r => r.State == Grains.Runs.RunState.Failed) ? 1 : 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The example spec of a preset.</summary>
    public static string SpecFile(string preset) =>
        preset switch
        {
            "quick" => "synthetic-demo-quick.yaml",
            "study" => "synthetic-demo-study.yaml",
            _ => "synthetic-demo.yaml",
        };

    /// <summary>
    /// The SFT preset that builds a base model: the suffix of its name after "tiny-vlm-sft-" (models/tiny-vlm-sft-quick
    /// → quick). A base that no preset builds is an error naming the model and what to do.
    /// </summary>
    public static string SftPresetOf(string modelName)
    {
        const string prefix = "tiny-vlm-sft-";
        string preset = modelName.StartsWith(prefix, StringComparison.Ordinal) ? modelName[prefix.Length..] : "";
        if (SftOptions.PresetNames.Contains(preset))
            return preset;
        throw new UserFacingException(
            $"the demo builds base models named models/{prefix}{{{string.Join("|", SftOptions.PresetNames)}}}; "
                + $"'models/{modelName}' is none of them: upload it first (`saei model upload`) or use one of those "
                + $"names."
        );
    }

    private static Dictionary<string, string?> Settings(int slots) =>
        new()
        {
            [SiloConfiguration.ExecutorKey] = SiloConfiguration.TorchExecutor,
            ["Saei:Torch:Device"] = "cpu",
            // One intra-op thread per run and one run per core: runs do not fight over cores, and results are
            // reproducible.
            ["Saei:Torch:Threads"] = "1",
            ["Saei:Worker:Slots"] = slots.ToString(CultureInfo.InvariantCulture),
            // Progress reports renew the lease once per step, so a step plus an evaluation (512 problems × 4 samples in
            // one thread) must fit in it even on a loaded machine; 90 s did not under a load average of 30. A run
            // interrupted by Ctrl-C does not wait for it: its silo leaves the cluster and the run is picked up again.
            ["Saei:Runs:LeaseDuration"] = "00:05:00",
            ["Saei:Runs:CheckPeriod"] = "00:00:03",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            // Workers polling while the silo shuts down are expected; run failures still show in the table and run
            // notes.
            ["Logging:LogLevel:SaEI.Grains.Workers.GpuWorkerGrain"] = "Error",
        };

    /// <summary>Builds the spec's base model by the SFT warm start when storage lacks it.</summary>
    internal static async Task EnsureBaseModelAsync(
        SweepSpec spec,
        ModelStore models,
        TextWriter output,
        CancellationToken cancellation
    )
    {
        string name = ModelStore.NameOf(
            spec.Model.Base ?? throw new UserFacingException("the demo spec's model needs `base:`.")
        );
        if (!await models.ExistsAsync(name, cancellation))
        {
            string preset = SftPresetOf(name);
            var options = SftOptions.Preset(preset);
            await output.WriteLineAsync(
                $"Building the base model {name} (SFT warm start, preset {preset}, {options.Steps} steps) — once; "
                    + $"later demos reuse it."
            );
            string directory = Path.Combine(Path.GetTempPath(), $"saei-sft-{name}-{Environment.ProcessId}");
            var result = await Task.Run(
                () =>
                    SftWarmStart.Run(
                        options,
                        directory,
                        threads: Math.Max(1, Environment.ProcessorCount),
                        onStep: step =>
                        {
                            if (step.Step % 20 == 0 || step.Step == options.Steps)
                                output.WriteLine(
                                    string.Create(
                                        CultureInfo.InvariantCulture,
                                        $"  SFT step {step.Step}/{options.Steps}: loss {step.Loss:0.000}"
                                    )
                                );
                        }
                    ),
                cancellation
            );
            await output.WriteLineAsync(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"  trained in {result.TrainSeconds:0}s; base model {result.Base?.Summary() ?? "(not evaluated)"}"
                )
            );
            await models.UploadAsync(name, directory, cancellation);
            Directory.Delete(directory, recursive: true);
        }
        else
        {
            await output.WriteLineAsync($"Reusing the base model models/{name} from storage.");
        }
    }

    /// <summary>
    /// Shows progress until every run has finished (or Ctrl-C): on a terminal the run table is redrawn in place; in a
    /// log, each run's state changes are printed as they happen ("run saei-…-s1: running → completed at step 6/6")
    /// and the whole table at most every 30 s.
    /// </summary>
    private static async Task WatchAsync(IExperimentGrain experiment, TextWriter output, CancellationToken cancellation)
    {
        bool terminal = !Console.IsOutputRedirected && output == Console.Out;
        var states = new Dictionary<string, Grains.Runs.RunState>();
        var lastTable = Stopwatch.StartNew();
        while (true)
        {
            var status = await experiment.GetStatusAsync();
            if (terminal)
            {
                await output.WriteAsync("\u001b[H\u001b[2J" + RunTable.Format(status));
            }
            else
            {
                foreach (var run in status.Runs)
                {
                    bool known = states.TryGetValue(run.RunId, out var previous);
                    if (known && previous == run.State)
                        continue;
                    string change = known
                        ? $"{previous.ToString().ToLowerInvariant()} → {run.State.ToString().ToLowerInvariant()}"
                        : run.State.ToString().ToLowerInvariant();
                    await output.WriteLineAsync(
                        $"run {run.RunId}: {change} at step {run.Step}/{run.TotalSteps} (restarts {run.Restarts})"
                    );
                    states[run.RunId] = run.State;
                }
                if (status.Finished || lastTable.Elapsed > TimeSpan.FromSeconds(30))
                {
                    await output.WriteAsync(RunTable.Format(status));
                    lastTable.Restart();
                }
            }
            if (status.Finished)
                return;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The checkout holding examples/ (walks up from the working folder, then from the program).</summary>
    private static string RepositoryRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "examples")))
                    return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
