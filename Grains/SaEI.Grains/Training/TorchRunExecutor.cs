using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SaEI.Gpu.Models;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Training;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Training;

/// <summary>
/// The real <see cref="IRunExecutor"/>: one run of the RL trainer (SaEI.Gpu) from the run's last committed checkpoint
/// to its last step. Before the first step: the in-domain evaluation of the base model (step 0). Per step:
/// <see cref="RlTrainer.Step"/>, the in-domain evaluation every <c>eval.every</c> steps (<see
/// cref="InDomainEvaluation"/>),
/// a progress report (which renews the lease, or stops this attempt when it was fenced), and every
/// <c>checkpoint.every</c> steps a checkpoint (weights, AdamW moments, RNG states, data cursor) plus samples.
/// Decisions:
/// 1. The run's typed configuration (options, model, data, evaluation settings) is read from its run.json
///    (<see cref="RunConfiguration"/>), written at launch before the run is queued; the spec is not read again.
/// 2. Failures are classified: a non-finite loss or metric → numeric; a bad model, data or option → configuration
///    (never retried; <see cref="FailureClassifier"/>); anything else (storage, process) → infrastructure (retried by
///    the run grain). Data is read only from the silo's data roots, within its limits (<see cref="DataOptions"/>).
/// 3. The final weights' SHA-256 is that of model.safetensors of the last checkpoint (bit-identity checks use it).
/// 4. The base model is <c>model.base</c> from blob storage or <c>model.path</c>, a local folder within the data roots
///    (tiny-vlm or qwen2.5-vl; <see cref="ModelSource"/>); the KL reference loads the same folder.
/// 5. The model's stages go on the worker's devices by <see cref="ShardPlan"/> (<see cref="ModelPlacement"/>); a device
///    the node cannot use is an infrastructure failure naming the setting to fix.
/// 6. Checkpoints are local folders in transit (<see cref="IRunCheckpoints.Stage"/>): written and read tensor by
///    tensor, uploaded and downloaded in blocks, so no checkpoint file is ever one array in memory.
/// 7. Each step is a span of <see cref="TrainingTelemetry"/> with the trainer's phases, the evaluation, the report and
///    the checkpoint as child spans and phase durations.
/// </summary>
public sealed class TorchRunExecutor(
    ResilientBlobStore blobs,
    ModelStore models,
    TorchExecutorOptions options,
    DataOptions data,
    TimeProvider time
) : IRunExecutor
{
    public async Task<RunExecutionResult> ExecuteAsync(RunExecutionContext context, CancellationToken cancellation)
    {
        var run = context.Run;
        TorchRuntime.Initialize(options.EffectiveThreads);
        var devices = ModelPlacement.DevicesFor(context.Devices, options.Device);
        var device = Node(() => TorchRuntime.ResolveDevice(devices[0]), run, devices);
        var configuration = await LoadConfigurationAsync(run, cancellation);
        var rl = configuration.Options;
        var model = configuration.Model;
        string modelDirectory = await ConfigureAsync(
            () => ModelSource.LocateAsync(model, models, data, cancellation),
            run,
            "locating the base model"
        );

        using var policy = Configure(
            () => ModelSource.Load(model, modelDirectory, device, rl.Dtype),
            run,
            "loading the base model"
        );
        // The KL reference is the base model again, from the same folder (and so the same checks).
        using var reference =
            rl.KlCoefficient > 0
                ? Configure(
                    () => ModelSource.Load(model, modelDirectory, device, rl.Dtype),
                    run,
                    "loading the reference model"
                )
                : null;
        var plan = Node(() => ModelPlacement.Apply(policy, devices), run, devices);
        if (reference is not null)
            ModelPlacement.Apply(reference, devices);
        context.Logger.LogInformation(
            "Run {RunId}: model stages on {Plan}",
            run.RunId,
            ModelPlacement.Describe(plan, policy.Stages)
        );
        var train = await ConfigureAsync(
            () => SpecData.LoadAsync(configuration.Train, policy, data, cancellation),
            run,
            "loading data.train"
        );
        var test = await ConfigureAsync(
            () => SpecData.LoadAsync(configuration.Test, policy, data, cancellation),
            run,
            "loading data.test"
        );
        // Before any step: a run whose memory plan does not fit this node is a configuration failure (MemoryPlanGate).
        var memory = Configure(
            () => MemoryPlanGate.Estimate(modelDirectory, policy, rl, train, reference is not null),
            run,
            "planning memory"
        );
        context.Logger.LogInformation("Run {RunId}: memory plan {Estimate}", run.RunId, memory.Policy);
        MemoryPlanGate.ThrowIfTooLarge(memory, run.RunId, options.AvailableMemoryGiB, devices.Count);

        var (trainer, start, finalWeights) = await RestoreAsync(context, policy, reference, rl, train, cancellation);
        using var owned = trainer;
        if (start == 1)
            await context.Progress.ReportAsync(
                0,
                await InDomainEvaluation.RunAsync(blobs, run, configuration, policy, test, 0, cancellation),
                cancellation
            );
        for (int step = start; step <= run.Steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            // The step's span (decision 7): the trainer's phases below nest in it.
            using var span = TrainingTelemetry.StartStep(run.RunId, step, run.Method);
            // The step number travels beside the metrics, not among them (metrics.jsonl reserves "step").
            var metrics = trainer.Step().Where(m => m.Key != "step").ToDictionary(m => m.Key, m => m.Value);
            ThrowIfNotFinite(run, step, metrics);
            if (metrics.TryGetValue("entropy/clean", out double entropy))
                metrics[MetricNames.Entropy] = entropy;
            if (step % run.EvalEvery == 0 || step == run.Steps)
            {
                using var evaluation = TrainingTelemetry.Phase(StepPhase.Evaluation, time);
                foreach (
                    var (name, value) in await InDomainEvaluation.RunAsync(
                        blobs,
                        run,
                        configuration,
                        policy,
                        test,
                        step,
                        cancellation
                    )
                )
                    metrics[name] = value;
            }
            using (TrainingTelemetry.Phase(StepPhase.Report, time))
                await context.Progress.ReportAsync(step, metrics, cancellation);
            if (step % run.CheckpointEvery == 0 || step == run.Steps)
            {
                using var phase = TrainingTelemetry.Phase(StepPhase.Checkpoint, time);
                // The checkpoint is written into a local folder, tensor by tensor, and uploaded from there (decision
                // 6).
                using var staged = context.Checkpoints.Stage(step);
                TrainingCheckpoint.WriteTo(trainer, staged.Path);
                await context.Checkpoints.CommitAsync(step, staged, cancellation);
                if (step == run.Steps)
                    finalWeights = await Sha256Async(staged.PathOf(TrainingCheckpoint.ModelFile), cancellation);
                await WriteSamplesAsync(run, step, trainer, cancellation);
            }
        }
        return new RunExecutionResult(run.Steps, finalWeights ?? "");
    }

    /// <summary>
    /// A fresh trainer, or one restored from the newest intact checkpoint (downloaded into a local folder, read, and
    /// deleted at once), with the first step to run and, when the checkpoint is the last step's, its weights' SHA-256.
    /// </summary>
    private static async Task<(RlTrainer Trainer, int Start, string? FinalWeights)> RestoreAsync(
        RunExecutionContext context,
        IPolicyModel policy,
        IPolicyModel? reference,
        RlOptions rl,
        IReadOnlyList<VisualProblem> train,
        CancellationToken cancellation
    )
    {
        var run = context.Run;
        using var restored = await context.Checkpoints.LoadLatestAsync(cancellation);
        foreach (string note in restored?.Skipped ?? [])
            context.Logger.LogWarning("Run {RunId}: {Note}", run.RunId, note);
        if (restored is not { Step: > 0 })
            return (new RlTrainer(policy, reference, rl, train, run.Steps, (ulong)run.Seed), 1, null);
        string? finalWeights =
            restored.Step >= run.Steps
                ? await Sha256Async(
                    TrainingCheckpoint.Require(restored.Directory, TrainingCheckpoint.ModelFile),
                    cancellation
                )
                : null;
        var trainer = Configure(
            () => RlTrainer.Restore(restored.Directory, policy, reference, train),
            run,
            "restoring the checkpoint"
        );
        context.Logger.LogInformation(
            "Run {RunId} resumes after step {Step} (epoch {Epoch})",
            run.RunId,
            restored.Step,
            context.Epoch
        );
        return (trainer, restored.Step + 1, finalWeights);
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellation)
    {
        await using var stream = new FileStream(
            path,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            1 << 20,
            FileOptions.SequentialScan
        );
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation));
    }

    /// <summary>
    /// The run's typed configuration. A missing run.json is an infrastructure failure (retried): a run launched by
    /// an older release gets it when the spec is relaunched. A damaged one, or options that do not validate, are
    /// configuration failures.
    /// </summary>
    private async Task<RunConfiguration> LoadConfigurationAsync(RunDescriptor run, CancellationToken cancellation)
    {
        string path = run.Configuration ?? BlobPaths.RunConfiguration(run.ExperimentId, run.RunId);
        RunConfiguration configuration;
        try
        {
            configuration = await RunConfigurations.ReadAsync(blobs, path, cancellation);
        }
        catch (FileNotFoundException e)
        {
            throw new RunFailureException(FailureKind.Infrastructure, $"run {run.RunId}: {e.Message}", 0, e);
        }
        catch (InvalidDataException e)
        {
            throw new RunFailureException(FailureKind.Configuration, $"run {run.RunId}: {e.Message}", 0, e);
        }
        Configure(() => configuration.Options.ThrowIfInvalid(), run, "validating the options");
        return configuration;
    }

    private async Task WriteSamplesAsync(RunDescriptor run, int step, RlTrainer trainer, CancellationToken cancellation)
    {
        var lines = trainer.LastSamples.Select(s =>
            JsonSerializer.Serialize(
                new
                {
                    row = s.Row,
                    problem_id = s.ProblemId,
                    problem = s.Problem,
                    answer = s.Answer,
                    response = s.Response,
                    perturbed = s.Perturbed,
                    reward = s.Reward,
                    accuracy = s.Accuracy,
                    format = s.Format,
                }
            )
        );
        await blobs.WriteAsync(
            BlobPaths.Samples(run.ExperimentId, run.RunId, step),
            BinaryData.FromString(string.Join("\n", lines) + "\n"),
            WriteCondition.Overwrite,
            cancellation
        );
        var pairs = trainer.LastImagePairs(options.ImagePairsPerCheckpoint);
        for (int i = 0; i < pairs.Count; i++)
        {
            string folder = ImagePairFolder(run.ExperimentId, run.RunId, step);
            await blobs.WriteAsync(
                $"{folder}pair-{i}-clean.png",
                BinaryData.FromBytes(PngExport.Encode(pairs[i].Clean)),
                WriteCondition.Overwrite,
                cancellation
            );
            await blobs.WriteAsync(
                $"{folder}pair-{i}-perturbed.png",
                BinaryData.FromBytes(PngExport.Encode(pairs[i].Perturbed)),
                WriteCondition.Overwrite,
                cancellation
            );
        }
    }

    /// <summary>experiments/{exp}/runs/{run}/samples/step-N-images/: pair-K-{clean,perturbed}.png.</summary>
    public static string ImagePairFolder(string experiment, string run, int step) =>
        BlobPaths.Run(experiment, run) + "samples/" + BlobPaths.StepName(step) + "-images/";

    private static void ThrowIfNotFinite(RunDescriptor run, int step, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (name, value) in metrics)
            if (name.StartsWith("actor/", StringComparison.Ordinal) && !double.IsFinite(value))
                throw new RunFailureException(
                    FailureKind.Numeric,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"run {run.RunId} step {step}: {name} is {value}; lower learning_rate or check the data."
                    ),
                    step
                );
    }

    /// <summary>A device this node cannot use is the node's fault, not the run's: infrastructure (retried, maybe
    /// elsewhere).</summary>
    private static T Node<T>(Func<T> action, RunDescriptor run, IReadOnlyList<string> devices)
    {
        try
        {
            return action();
        }
        catch (ArgumentException e)
        {
            throw new RunFailureException(
                FailureKind.Infrastructure,
                $"run {run.RunId}: this node's devices [{string.Join(", ", devices)}] are unusable: {e.Message} Fix "
                    + $"Saei:Worker:Devices or Saei:Torch:Device.",
                0,
                e
            );
        }
    }

    /// <summary>Runs a step whose bad input is a configuration/data failure (never retried), naming the run and the
    /// step.</summary>
    private static T Configure<T>(Func<T> action, RunDescriptor run, string what)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsBadInput(e))
        {
            throw Misconfigured(e, run, what);
        }
    }

    /// <summary>
    /// <see cref="Configure{T}"/> for asynchronous steps: the task is awaited inside the handler, so an error it ends
    /// with is classified too (wrapping only the call let every data error escape as "infrastructure", issue #11).
    /// </summary>
    private static async Task<T> ConfigureAsync<T>(Func<Task<T>> action, RunDescriptor run, string what)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (IsBadInput(e))
        {
            throw Misconfigured(e, run, what);
        }
    }

    private static bool IsBadInput(Exception e) =>
        e is ArgumentException or JsonException || FailureClassifier.IsConfiguration(e);

    private static RunFailureException Misconfigured(Exception e, RunDescriptor run, string what) =>
        new(FailureKind.Configuration, $"run {run.RunId}: {what} failed: {e.Message}", 0, e);
}
