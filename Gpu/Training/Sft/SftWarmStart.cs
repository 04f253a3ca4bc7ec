using System.Text.Json;
using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Models;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Synthetic;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training.Sft;

/// <summary>What a warm start produced.</summary>
/// <param name="Preset">The options' name.</param>
/// <param name="ModelDirectory">Where the model was saved (model.safetensors, config.json, warm_start.json).</param>
/// <param name="Files">The saved files by name, for upload as <c>models/{name}/{file}</c>.</param>
/// <param name="Steps">Every optimiser step.</param>
/// <param name="Base">The base model on the synthetic test split (null when TestProblems = 0).</param>
/// <param name="TrainSeconds">Wall time of data preparation and training.</param>
/// <param name="EvaluationSeconds">Wall time of the evaluation.</param>
public sealed record SftWarmStartResult(
    string Preset,
    string ModelDirectory,
    IReadOnlyDictionary<string, byte[]> Files,
    IReadOnlyList<SftStep> Steps,
    BenchmarkResult? Base,
    double TrainSeconds,
    double EvaluationSeconds
);

/// <summary>
/// Produces the base model RL starts from (issue #5): a seeded TinyVlm, SFT on the synthetic train split with
/// reasoning-format targets, saved like any checkpoint, then pass@1 on the test split.
/// Deterministic for fixed options and thread count (seeds: <see cref="SftOptions.ModelSeed"/>, the task seed,
/// <see cref="SftOptions.ShuffleSeed"/>, the evaluation seed).
/// </summary>
public static class SftWarmStart
{
    /// <summary>Name of the small JSON summary written next to the weights.</summary>
    public const string SummaryFileName = "warm_start.json";

    /// <summary>
    /// Runs the warm start with <paramref name="threads"/> intra-op threads on the CPU, saving into <paramref
    /// name="modelDirectory"/>; writes the evaluation's generations to <paramref name="generationsPath"/> when given.
    /// </summary>
    public static SftWarmStartResult Run(
        SftOptions options,
        string modelDirectory,
        int threads = 2,
        string? generationsPath = null,
        Action<SftStep>? onStep = null,
        TimeProvider? time = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        options.Validate();
        time ??= TimeProvider.System;
        TorchRuntime.Initialize(threads);
        long trainStart = time.GetTimestamp();
        IReadOnlyList<SftStep> steps;
        using var model = PolicyModelFactory.CreateTiny(options.Model, options.ModelSeed, CPU);
        using (
            var data = SftDataset.Synthetic(
                model,
                options.Task with
                {
                    Split = SyntheticSplit.Train,
                },
                options.TrainProblems
            )
        )
            steps = SftTrainer.Train(model, data, options, onStep, cancellationToken);
        double trainSeconds = time.GetElapsedTime(trainStart).TotalSeconds;

        long evaluationStart = time.GetTimestamp();
        BenchmarkResult? baseResult = null;
        if (options.TestProblems > 0)
        {
            var test = new SyntheticTask(options.Task with { Split = SyntheticSplit.Test }).Generate(
                options.TestProblems
            );
            baseResult = generationsPath is null
                ? Evaluator.Evaluate(model, SyntheticTask.Name, test, options.Evaluation)
                : Evaluator.Evaluate(model, SyntheticTask.Name, test, options.Evaluation, generationsPath);
        }
        double evaluationSeconds = time.GetElapsedTime(evaluationStart).TotalSeconds;

        model.Save(modelDirectory);
        WriteSummary(modelDirectory, options, steps, baseResult, trainSeconds);
        var files = Directory
            .GetFiles(modelDirectory)
            .Order(StringComparer.Ordinal)
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllBytes, StringComparer.Ordinal);
        return new SftWarmStartResult(
            options.Name,
            modelDirectory,
            files,
            steps,
            baseResult,
            trainSeconds,
            evaluationSeconds
        );
    }

    private static void WriteSummary(
        string directory,
        SftOptions options,
        IReadOnlyList<SftStep> steps,
        BenchmarkResult? baseResult,
        double trainSeconds
    )
    {
        var summary = new Dictionary<string, object?>
        {
            ["preset"] = options.Name,
            ["steps"] = options.Steps,
            ["batch_size"] = options.BatchSize,
            ["learning_rate"] = options.LearningRate,
            ["families"] = options.Task.Families.Select(family => family.ToString().ToLowerInvariant()).ToArray(),
            ["difficulty"] = options.Task.Difficulty,
            ["first_loss"] = steps[0].Loss,
            ["final_loss"] = steps[^1].Loss,
            ["base_pass_at_1"] = baseResult?.Overall.Pass1,
            ["base_format_rate"] = baseResult?.Overall.FormatRate,
            ["train_seconds"] = Math.Round(trainSeconds, 1),
        };
        File.WriteAllText(
            Path.Combine(directory, SummaryFileName),
            JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true })
        );
    }
}
