using System.Globalization;
using System.Text;
using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Results;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SaEI.Client.Reports;

/// <summary>
/// A sweep's report folder, written by `saei report` and at the end of `saei demo`: PNG plots (policy entropy per step
/// — the paper's Fig. 2 —, in-domain accuracy, reward), clean vs adversarial image pairs (Fig. 5), the leaderboard
/// table, each method's difference to GRPO with its 95% interval (table and forest plot) and a Markdown report whose
/// verdicts ("better", "worse", "no difference detectable (MDE x points)") come from the intervals, never from the
/// means alone. Everything is read back from storage, so the report of an interrupted-and-resumed sweep is the same as
/// of an uninterrupted one.
/// </summary>
public static class SweepReport
{
    public const string ReportFile = "report.md";
    public const string LeaderboardFile = "leaderboard.md";
    public const string EntropyFile = "entropy.png";
    public const string AccuracyFile = "accuracy.png";
    public const string RewardFile = "reward.png";
    public const string ForestFile = "forest.png";
    public const string PairsFile = "adversarial-pairs.png";

    /// <summary>
    /// Every file of a report folder, as `saei demo` and `saei report` write it for a finished sweep with a method
    /// that perturbs images (without one, <see cref="PairsFile"/> is left out; a plot without data is too).
    /// </summary>
    public static IReadOnlyList<string> Files { get; } =
    [ReportFile, LeaderboardFile, EntropyFile, AccuracyFile, RewardFile, ForestFile, PairsFile];

    /// <summary>The files written: report.md, the plots that had data, the image-pair sheet (null without
    /// pairs).</summary>
    public sealed record Written(string Report, IReadOnlyList<string> Plots, string? Pairs);

    /// <summary>Writes every artefact of <paramref name="results"/> into <paramref name="folder"/> (created if
    /// needed).</summary>
    public static async Task<Written> WriteAsync(
        string folder,
        SweepResults results,
        ResilientBlobStore blobs,
        CancellationToken cancellation
    )
    {
        ArgumentNullException.ThrowIfNull(results);
        var (spec, status, rows, comparisons, baseModelSummary) = (
            results.Spec,
            results.Status,
            results.Rows,
            results.Comparisons,
            results.BaseModelSummary
        );
        Directory.CreateDirectory(folder);
        var methods = spec.Methods.Select(m => m.Name).ToList();
        var metrics = new MetricsLog(blobs);
        var history = new Dictionary<RunStatus, IReadOnlyList<MetricsRecord>>();
        foreach (var run in status.Runs)
            history[run] = await metrics.ReadAsync(run.ExperimentId, run.RunId, cancellation);

        IReadOnlyList<RunCurve> Curves(string metric) =>
            [
                .. history.Select(h => new RunCurve(
                    h.Key.Method,
                    h.Key.Seed,
                    [.. h.Value.Where(r => r.Values.ContainsKey(metric)).Select(r => (r.Step, r.Values[metric]))]
                )),
            ];

        var plots = new List<string>();
        void Plot(string file, string title, string label, string metric)
        {
            string path = Path.Combine(folder, file);
            if (CurvePlots.Save(path, title, label, Curves(metric), methods) > 0)
                plots.Add(path);
        }
        Plot(
            EntropyFile,
            "Policy entropy of clean responses per step (paper Fig. 2)",
            "token entropy (nats)",
            MetricNames.Entropy
        );
        Plot(
            AccuracyFile,
            $"In-domain pass@1 ({spec.Data.Test.Name}, k = {spec.Eval.Samples}, T = {spec.Eval.Temperature}; "
                + "step 0 = base model)",
            "pass@1",
            MetricNames.Accuracy
        );
        Plot(RewardFile, "Mean rollout reward per step", "reward (0.9·accuracy + 0.1·format)", MetricNames.Reward);
        string forest = Path.Combine(folder, ForestFile);
        string baseline = comparisons.Count > 0 ? comparisons[0].Baseline : LeaderboardComparisons.DefaultBaseline;
        string forestTitle = $"Difference to {baseline} per benchmark";
        if (ForestPlot.Save(forest, forestTitle, comparisons) > 0)
            plots.Add(forest);

        string? pairs = await WritePairsAsync(folder, status, blobs, cancellation);
        var aggregate = rows.Select(r => new AggregateRow(r.Method, r.ConfigKey, r.Benchmark, r.Seeds, r.Mean, r.Std))
            .ToList();
        var tableOptions = new PaperTableOptions
        {
            MethodOrder = methods,
            BenchmarkOrder = [MetricNames.InDomain, .. spec.Data.Ood.Select(o => o.Name)],
        };
        string table = PaperTable.ToMarkdown(aggregate, tableOptions);
        await File.WriteAllTextAsync(Path.Combine(folder, LeaderboardFile), table, cancellation);
        string report = Path.Combine(folder, ReportFile);
        await File.WriteAllTextAsync(
            report,
            Report(spec, status, comparisons, table, plots, pairs, baseModelSummary),
            cancellation
        );
        return new Written(report, plots, pairs);
    }

    /// <summary>The clean/perturbed pairs of the last checkpoint of each perturbing method's first seed.</summary>
    private static async Task<string?> WritePairsAsync(
        string folder,
        SweepStatus status,
        ResilientBlobStore blobs,
        CancellationToken cancellation
    )
    {
        var pairs = new List<ImagePair>();
        foreach (
            var run in status
                .Runs.Where(r => r.CommittedSteps.Count > 0)
                .GroupBy(r => r.Method)
                .Select(g => g.OrderBy(r => r.Seed).First())
        )
        {
            int step = run.CommittedSteps.Max();
            string prefix = TorchRunExecutor.ImagePairFolder(run.ExperimentId, run.RunId, step);
            for (int i = 0; ; i++)
            {
                if (
                    await blobs.ReadAsync($"{prefix}pair-{i}-clean.png", cancellation) is not BlobReadResult.Found clean
                )
                    break;
                if (
                    await blobs.ReadAsync($"{prefix}pair-{i}-perturbed.png", cancellation)
                    is not BlobReadResult.Found perturbed
                )
                    break;
                using var cleanImage = Image.Load<Rgb24>(clean.Content.ToArray());
                using var perturbedImage = Image.Load<Rgb24>(perturbed.Content.ToArray());
                pairs.Add(
                    new ImagePair(
                        $"{run.Method} seed {run.Seed}, step {step}",
                        cleanImage.Width,
                        cleanImage.Height,
                        Bytes(cleanImage),
                        Bytes(perturbedImage)
                    )
                );
            }
        }
        if (pairs.Count == 0)
            return null;
        string path = Path.Combine(folder, PairsFile);
        ImagePairSheet.Save(path, pairs);
        return path;
    }

    private static byte[] Bytes(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    private static string Report(
        SweepSpec spec,
        SweepStatus status,
        IReadOnlyList<LeaderboardComparison> comparisons,
        string table,
        IReadOnlyList<string> plots,
        string? pairs,
        string? baseModelSummary
    )
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"# SaEI sweep: {spec.Experiment}");
        text.AppendLine();
        text.AppendLine(
            culture,
            $"Model: `{spec.Model.Base}`; training task: {spec.Data.Train.Task}; "
                + $"{spec.Steps} RL steps per run; seeds {string.Join(", ", spec.Seeds)}; "
                + $"methods {string.Join(", ", spec.Methods.Select(m => m.Name))}."
        );
        if (baseModelSummary is not null)
            text.AppendLine(culture, $"Base model before RL: {baseModelSummary}.");
        int failed = status.Count(RunState.Failed),
            restarts = status.Runs.Sum(r => r.Restarts);
        text.AppendLine(
            culture,
            $"Runs: {status.Runs.Count} ({status.Count(RunState.Completed)} completed, {failed} failed, {restarts} "
                + $"restart(s))."
        );
        text.AppendLine();
        text.AppendLine(RestartsLine(status));
        text.AppendLine();
        text.AppendLine("## Verdict");
        text.AppendLine();
        text.AppendLine(Verdict(comparisons));
        text.AppendLine();
        text.Append(
            culture,
            $"## Results (pass@1 ×100 over {spec.Eval.Samples} sample(s) per problem at T = {spec.Eval.Temperature}, "
        );
        text.AppendLine("mean ± std over seeds; in-domain = best in-domain checkpoint, step 0 included)");
        text.AppendLine();
        text.AppendLine(table);
        if (comparisons.Count > 0)
        {
            text.AppendLine(culture, $"## Differences to {comparisons[0].Baseline} (points, 95% interval)");
            text.AppendLine();
            text.AppendLine(ComparisonTable.ToMarkdown(comparisons));
            text.AppendLine(Method);
            text.AppendLine();
        }
        foreach (string plot in plots)
        {
            text.AppendLine(culture, $"![{Path.GetFileNameWithoutExtension(plot)}]({Path.GetFileName(plot)})");
            text.AppendLine();
        }
        if (pairs is not null)
        {
            text.AppendLine("## Clean vs perturbed images (paper Fig. 5)");
            text.AppendLine();
            text.AppendLine(culture, $"![pairs]({Path.GetFileName(pairs)})");
            text.AppendLine();
        }
        text.AppendLine("## Caveats");
        text.AppendLine();
        if (spec.Model.Base?.Contains("tiny-vlm", StringComparison.Ordinal) == true)
            text.Append(
                "A CPU-scale sweep: a ~0.3–0.7 M-parameter model, a handful of RL steps and small test sets. "
                    + "The direction of an effect can be compared with the paper, its size cannot. "
            );
        text.AppendLine(
            "\"No difference detectable\" "
                + "is not \"no difference\": a true difference below the MDE is likely missed. The "
                + "in-domain score is the best of the evaluated steps on the same test set, so it is "
                + "optimistic for every method alike; the out-of-domain scores are not selected on."
        );
        return text.ToString();
    }

    /// <summary>
    /// The sweep's restarts in one line, for report.md and the demo's last lines: "Restarts: 0 over 12 runs." or, when
    /// some run restarted, which ones and why the last time ("Restarts: 3 over 12 runs (grpo-s1 2: Infrastructure …)").
    /// A fault-free sweep shows 0; any other number is worth reading the runs' failures for (`saei run show`).
    /// </summary>
    public static string RestartsLine(SweepStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        int restarts = status.Runs.Sum(r => r.Restarts);
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"Restarts: {restarts} over {status.Runs.Count} runs"
        );
        if (restarts == 0)
            return line + ".";
        var restarted = status
            .Runs.Where(r => r.Restarts > 0)
            .Select(r =>
                r.Failures.Count == 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{r.RunId} {r.Restarts}")
                    : string.Create(
                        CultureInfo.InvariantCulture,
                        $"{r.RunId} {r.Restarts}: {r.Failures[^1].Kind} at step {r.Failures[^1].Step}"
                    )
            );
        return $"{line} ({string.Join("; ", restarted)}).";
    }

    /// <summary>How the intervals are made, for the report.</summary>
    public const string Method =
        "Δ = mean over seeds of (method − baseline) pass@1. The 95% interval is a seeded percentile bootstrap "
        + "(2,000 replicates) over seeds and, within each seed, over test problems (each with its k samples), "
        + "paired by seed and by problem where both methods share them (every method is evaluated on the same "
        + "problems with the same sampling random numbers). Welch p: Welch's t-test over the seeds' scores. MDE: "
        + "the difference found with power 0.8 at α = 0.05, 2.80 × the bootstrap standard error. The verdict is "
        + "read from the interval only.";

    /// <summary>One line per method and benchmark against the baseline, in-domain first, from the intervals.</summary>
    public static string Verdict(IReadOnlyList<LeaderboardComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        if (comparisons.Count == 0)
            return "No method finished beside the baseline, so there is no comparison.";
        return string.Join("\n", ComparisonTable.VerdictLines(comparisons).Select(line => "- " + line));
    }
}
