using Microsoft.Extensions.Logging;
using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Training;

/// <summary>
/// The real <see cref="IBenchmarkEvaluator"/>: loads the run's checkpoint of the requested step from blob storage into
/// the base model's architecture and scores pass@1 on the named benchmark (the run's test or ood data set) with the
/// evaluation settings of the run's typed configuration (run.json, <see cref="RunConfiguration"/>). Decision: when
/// that step has no intact checkpoint (eval and checkpoint schedules
/// differ, or the checkpoint is corrupt) the newest intact checkpoint at or before it is used, and the log says so.
/// Only model.safetensors is downloaded (into a local staging folder, deleted after loading) and read streamed.
/// Step 0 is the base model itself (the step-0 evaluation makes it a candidate for best in-domain), no checkpoint.
/// Sampling uses the common evaluation seed (<see cref="EvaluationSeeds"/>), never the run's, so every method draws
/// the same random numbers; the per-problem pass counts go to <see cref="ProblemResultsStore"/> for the leaderboard.
/// </summary>
public sealed class TorchBenchmarkEvaluator(
    ResilientBlobStore blobs,
    CheckpointStore checkpoints,
    ModelStore models,
    TorchExecutorOptions options,
    DataOptions data,
    ILogger<TorchBenchmarkEvaluator> logger
) : IBenchmarkEvaluator
{
    public async Task<(double Score, int Samples)> EvaluateAsync(
        EvaluationRequest request,
        CancellationToken cancellation
    )
    {
        TorchRuntime.Initialize(options.EffectiveThreads);
        // The run's typed configuration (run.json, written at launch): the spec is neither read nor expanded here.
        var run = await ReadConfigurationAsync(request, cancellation);
        var dataset =
            run.Benchmark(request.Benchmark)
            ?? throw new ArgumentException(
                $"benchmark '{request.Benchmark}' is neither data.test nor an evaluated "
                    + $"data.ood entry of run {request.RunId} ({request.ExperimentId}); evaluate one of "
                    + $"{string.Join(", ", run.OutOfDomain.Select(d => d.Name).Prepend(run.Test.Name))}."
            );
        using var checkpoint = request.Step == 0 ? null : await FindCheckpointAsync(request, cancellation);
        string directory = await ModelSource.LocateAsync(run.Model, models, data, cancellation);
        using var policy = ModelSource.Load(
            run.Model,
            directory,
            TorchRuntime.ResolveDevice(options.Device),
            run.Options.Dtype
        );
        if (checkpoint is not null)
            TrainingCheckpoint.LoadPolicyWeights(policy, checkpoint.PathOf(TrainingCheckpoint.ModelFile));
        var problems = await SpecData.LoadAsync(dataset, policy, data, cancellation);
        var evaluation = run.EvaluationOptions(EvaluationSeeds.Common);
        var result = Evaluator.Evaluate(policy, request.Benchmark, problems, evaluation);
        logger.LogInformation(
            "Run {RunId} step {Step}: {Summary}",
            request.RunId,
            checkpoint?.Manifest.Step ?? 0,
            result.Summary()
        );
        await new ProblemResultsStore(blobs).WriteAsync(
            request.ExperimentId,
            request.RunId,
            request.Step,
            request.Benchmark,
            result,
            evaluation.Seed,
            cancellation
        );
        return (result.Overall.Pass1, result.Overall.Problems * result.Overall.SamplesPerProblem);
    }

    /// <summary>
    /// The run's run.json. A missing one is retried (infrastructure): a run launched by an older release gets it
    /// when its spec is relaunched; a damaged one is a configuration error (given up after a few tries).
    /// </summary>
    private async Task<RunConfiguration> ReadConfigurationAsync(
        EvaluationRequest request,
        CancellationToken cancellation
    )
    {
        try
        {
            return await RunConfigurations.ReadAsync(
                blobs,
                BlobPaths.RunConfiguration(request.ExperimentId, request.RunId),
                cancellation
            );
        }
        catch (FileNotFoundException e)
        {
            throw new RunFailureException(
                FailureKind.Infrastructure,
                $"run {request.RunId}: {e.Message}",
                request.Step,
                e
            );
        }
    }

    /// <summary>Evaluation needs the weights only: the optimizer state (twice their size) is not downloaded.</summary>
    private static readonly string[] WeightsOnly = [TrainingCheckpoint.ModelFile];

    private async Task<LoadedCheckpoint> FindCheckpointAsync(EvaluationRequest request, CancellationToken cancellation)
    {
        var exact = await checkpoints.TryLoadAsync(
            request.ExperimentId,
            request.RunId,
            request.Step,
            WeightsOnly,
            cancellation
        );
        if (exact.Checkpoint is { } checkpoint)
            return checkpoint;
        var steps = await checkpoints.ListStepsAsync(request.ExperimentId, request.RunId, cancellation);
        foreach (int step in steps.Where(s => s < request.Step).OrderDescending())
        {
            var earlier = await checkpoints.TryLoadAsync(
                request.ExperimentId,
                request.RunId,
                step,
                WeightsOnly,
                cancellation
            );
            if (earlier.Checkpoint is { } usable)
            {
                logger.LogWarning(
                    "Run {RunId}: no intact checkpoint at step {Step}; evaluating step {Used} instead",
                    request.RunId,
                    request.Step,
                    step
                );
                return usable;
            }
        }
        throw new InvalidOperationException(
            $"run {request.RunId}: no intact checkpoint at or before step {request.Step} to evaluate."
        );
    }
}
