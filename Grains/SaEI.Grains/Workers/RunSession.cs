using SaEI.Gpu.Training;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Workers;

/// <summary>
/// One attempt's view of its run grain: progress reports and checkpoint commits, each fenced by the attempt's epoch.
/// A commit is authorised by the run grain before the upload and confirmed after it, so a fenced worker never
/// commits and a step committed once is skipped on a retry. After a confirmed commit, older checkpoints beyond the
/// run's keep_last are deleted (never the best in-domain one: each manifest records its step's in-domain accuracy).
/// </summary>
public sealed class RunSession(IRunGrain run, RunAssignment assignment, ICheckpointBackend backend)
    : IRunProgress,
        IRunCheckpoints
{
    private RunDescriptor Run => assignment.Run;

    private readonly List<(int Step, IReadOnlyDictionary<string, double> Values)> unwrittenMetrics = [];
    private readonly Dictionary<int, double> inDomainAccuracy = [];

    /// <summary>The last step this attempt reported (for failure records).</summary>
    public int LastStep { get; private set; }

    public async Task ReportAsync(int step, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellation)
    {
        var verdict = await CallAsync(() => run.ReportProgressAsync(assignment.Epoch, step, metrics), cancellation);
        ThrowIfFenced(verdict);
        if (step > 0)
            TrainingTelemetry.StepCompleted(Run.Method); // step 0 reports the base model's evaluation
        LastStep = step;
        unwrittenMetrics.Add((step, metrics));
        if (metrics.TryGetValue(MetricNames.Accuracy, out double accuracy))
            inDomainAccuracy[step] = accuracy;
    }

    public async Task<RestoredCheckpoint?> LoadLatestAsync(CancellationToken cancellation)
    {
        var loaded = await GrainCallResilience.Pipeline.ExecuteAsync(
            async token => await backend.LoadLatestIntactAsync(Run, token),
            cancellation
        );
        try
        {
            var verdict = await CallAsync(
                () => run.ReportResumeAsync(assignment.Epoch, loaded?.Step ?? 0, loaded?.Skipped ?? []),
                cancellation
            );
            ThrowIfFenced(verdict);
        }
        catch
        {
            loaded?.Dispose(); // the local copy is deleted when this attempt stops before handing it over
            throw;
        }
        LastStep = loaded?.Step ?? 0;
        return loaded;
    }

    public StagingFolder Stage(int step) => backend.CreateStaging(Run, step);

    public async Task<bool> CommitAsync(int step, StagingFolder files, CancellationToken cancellation)
    {
        var verdict = await CallAsync(() => run.AuthorizeCommitAsync(assignment.Epoch, step), cancellation);
        ThrowIfFenced(verdict);
        if (verdict == ReportVerdict.Duplicate)
            return false;
        // Metrics go with checkpoints (not every step) so a step costs no storage round-trip; replayed steps are
        // skipped.
        var metrics = unwrittenMetrics.ToList();
        await GrainCallResilience.Pipeline.ExecuteAsync(
            async token => await backend.AppendMetricsAsync(Run, metrics, token),
            cancellation
        );
        unwrittenMetrics.Clear();
        double? accuracy = inDomainAccuracy.TryGetValue(step, out double value) ? value : null;
        await GrainCallResilience.Pipeline.ExecuteAsync(
            async token => await backend.CommitAsync(Run, step, files, accuracy, token),
            cancellation
        );
        // Once the manifest is written the checkpoint exists: confirm it even if the attempt is being stopped, so the
        // run grain's record matches storage (the confirm is still fenced by the epoch).
        ThrowIfFenced(await CallAsync(() => run.ConfirmCommitAsync(assignment.Epoch, step), CancellationToken.None));
        await GrainCallResilience.Pipeline.ExecuteAsync(
            async token => await backend.ApplyRetentionAsync(Run, token),
            cancellation
        );
        return true;
    }

    private static async Task<ReportVerdict> CallAsync(
        Func<Task<ReportVerdict>> call,
        CancellationToken cancellation
    ) => await GrainCallResilience.Pipeline.ExecuteAsync(async _ => await call(), cancellation);

    private void ThrowIfFenced(ReportVerdict verdict)
    {
        if (verdict == ReportVerdict.Fenced)
            throw new RunFencedException(Run.RunId, assignment.Epoch);
    }
}
