using System.Globalization;

namespace SaEI.Grains.Storage;

/// <summary>
/// The blob layout (docs/architecture.md §4). Every id is validated by <see cref="Ids"/> before it becomes part of
/// a path, so no caller can escape its experiment's folder.
/// <code>
/// experiments/{exp}/spec.yaml
/// experiments/{exp}/runs/{run}/checkpoints/step-000040/{model.safetensors, optimizer.bin, state.json, manifest.json}
/// experiments/{exp}/runs/{run}/metrics.jsonl
/// experiments/{exp}/runs/{run}/samples/step-000040.jsonl
/// models/{name}/...
/// </code>
/// </summary>
public static class BlobPaths
{
    /// <summary>Digits of the zero-padded step in folder and file names (step-000040).</summary>
    public const int StepDigits = 6;

    /// <summary>The largest step that fits <see cref="StepDigits"/>.</summary>
    public const int MaxStep = 999_999;

    public const string ManifestFile = "manifest.json";
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";

    public static string Experiment(string experiment) => $"experiments/{Ids.Require(experiment, "experiment")}/";

    public static string Spec(string experiment) => Experiment(experiment) + "spec.yaml";

    public static string Runs(string experiment) => Experiment(experiment) + "runs/";

    public static string Run(string experiment, string run) => Runs(experiment) + Ids.Require(run, "run") + "/";

    /// <summary>The run's typed configuration, written at launch (<see cref="Experiments.RunConfiguration"/>).
    /// </summary>
    public static string RunConfiguration(string experiment, string run) => Run(experiment, run) + "run.json";

    /// <summary>The folder that holds every checkpoint of a run (ends with '/').</summary>
    public static string Checkpoints(string experiment, string run) => Run(experiment, run) + "checkpoints/";

    /// <summary>The folder of one checkpoint (ends with '/').</summary>
    public static string Checkpoint(string experiment, string run, int step) =>
        Checkpoints(experiment, run) + StepName(step) + "/";

    public static string CheckpointFile(string experiment, string run, int step, string file) =>
        Checkpoint(experiment, run, step) + Ids.Require(file, "checkpoint file");

    public static string Manifest(string experiment, string run, int step) =>
        Checkpoint(experiment, run, step) + ManifestFile;

    public static string Metrics(string experiment, string run) => Run(experiment, run) + "metrics.jsonl";

    public static string Samples(string experiment, string run, int step) =>
        Run(experiment, run) + "samples/" + StepName(step) + ".jsonl";

    /// <summary>The folder of a base model (ends with '/').</summary>
    public static string Model(string name) => $"models/{Ids.Require(name, "model")}/";

    public static string ModelFilePath(string name, string file) => Model(name) + Ids.Require(file, "model file");

    /// <summary>"step-000040" for 40.</summary>
    public static string StepName(int step)
    {
        if (step is < 0 or > MaxStep)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"step {step} is outside 0..{MaxStep}.");
        return "step-" + step.ToString("D" + StepDigits, CultureInfo.InvariantCulture);
    }

    /// <summary>Parses "step-000040" (or "step-000040.jsonl" without the extension) to 40.</summary>
    public static bool TryParseStep(string name, out int step)
    {
        step = -1;
        if (!name.StartsWith("step-", StringComparison.Ordinal) || name.Length != 5 + StepDigits)
            return false;
        return int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out step);
    }
}
