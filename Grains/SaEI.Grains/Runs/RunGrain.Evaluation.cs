using Microsoft.Extensions.Logging;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Runs;

/// <summary>The Evaluating phase and the conflict-aware write of <see cref="RunGrain"/>.</summary>
public sealed partial class RunGrain
{
    /// <summary>
    /// Scores the best in-domain checkpoint (step 0 is the base model) on every out-of-domain benchmark (one Evaluator
    /// grain each, idempotent),
    /// records the run on the leaderboard, and completes. A failure, or an evaluation still running, leaves the run
    /// Evaluating; the lease timer or the reminder calls this again.
    /// </summary>
    public async Task ContinueEvaluationAsync()
    {
        if (S.State != RunState.Evaluating || evaluating)
            return;
        evaluating = true;
        try
        {
            var run = S.Run!;
            var pending = run.Benchmarks.Where(b => !S.Benchmarks.ContainsKey(b)).ToList();
            var results = await Task.WhenAll(
                pending.Select(benchmark =>
                    GrainFactory
                        .GetGrain<IEvaluatorGrain>(EvaluationKey.Of(run.RunId, S.BestStep, benchmark))
                        .EvaluateAsync(
                            new EvaluationRequest(
                                run.ExperimentId,
                                run.RunId,
                                S.BestStep,
                                benchmark,
                                run.Method,
                                run.Seed
                            )
                        )
                )
            );
            // Still running (EvaluatorGrain decision 1): the lease timer's next check asks again.
            if (results.Any(result => result is null))
                return;
            if (results.FirstOrDefault(result => result!.Failure is not null) is { } failed)
            {
                await FailEvaluationAsync(failed);
                return;
            }
            var scores = new Dictionary<string, double>(S.Benchmarks);
            foreach (var result in results)
                scores[result!.Benchmark] = result.Score;
            double inDomain = S.BestAccuracy ?? S.Metrics.GetValueOrDefault(MetricNames.Accuracy);
            var recorded = new Dictionary<string, double>(scores) { [MetricNames.InDomain] = inDomain };
            await GrainFactory
                .GetGrain<ILeaderboardGrain>(run.ExperimentId)
                .RecordAsync(
                    new RunScores(run.RunId, run.Method, run.ConfigKey, run.Seed, recorded) { Step = S.BestStep }
                );
            bool completed = await UpdateAsync(s =>
            {
                if (s.State != RunState.Evaluating)
                    return false;
                foreach (var (name, score) in scores)
                    s.Benchmarks[name] = score;
                s.State = RunState.Completed;
                return true;
            });
            if (completed)
                await StopTimersAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Run {RunId}: evaluation failed; it is retried on the next check", RunId);
        }
        finally
        {
            evaluating = false;
        }
    }

    /// <summary>
    /// A benchmark whose evaluation failed permanently (a configuration or data error, <see cref="EvaluatorGrain"/>):
    /// the run fails with the failure recorded and a note, instead of asking again forever.
    /// </summary>
    private async Task FailEvaluationAsync(EvaluationResult failed)
    {
        bool changed = await UpdateAsync(s =>
        {
            if (s.State != RunState.Evaluating)
                return false;
            string message = $"evaluation of {failed.Benchmark} at step {failed.Step} failed: {failed.Failure}";
            s.Failures.Add(
                new FailureRecord(FailureKind.Configuration, message, failed.Step, s.Epoch, null, time.GetUtcNow())
            );
            s.FailureCounts[FailureKind.Configuration] =
                s.FailureCounts.GetValueOrDefault(FailureKind.Configuration) + 1;
            s.State = RunState.Failed;
            AddNote(s, $"{message}; not retried: fix the configuration or data of {failed.Benchmark}");
            return true;
        });
        if (changed)
            await StopTimersAsync();
    }

    /// <summary>
    /// The best in-domain step among the evaluated steps that can be loaded: step 0 (the base model, evaluated before
    /// the first update; no checkpoint needed) and the step just committed. Ties keep the earlier step.
    /// </summary>
    private static void UpdateBest(RunGrainState s, int committedStep)
    {
        foreach (int step in committedStep == 0 ? [0] : new[] { 0, committedStep })
        {
            if (
                s.EvalAccuracy.TryGetValue(step, out double accuracy)
                && (s.BestAccuracy is null || accuracy > s.BestAccuracy)
            )
            {
                s.BestAccuracy = accuracy;
                s.BestStep = step;
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="decide"/> (which mutates the state and returns whether anything changed) and writes it
    /// (<see cref="GrainStateUpdate"/>: re-decided on an ETag conflict, deactivation on a storage failure); a written
    /// change of state is counted (<see cref="RunMetrics"/>) from the state the last decision was taken on.
    /// </summary>
    private async Task<bool> UpdateAsync(Func<RunGrainState, bool> decide)
    {
        RunState? from = null;
        bool written = await GrainStateUpdate.ApplyAsync(
            state,
            s =>
            {
                from = s.Run is null ? null : s.State; // no run yet: its first state is an entry too
                return decide(s);
            },
            DeactivateOnIdle,
            logger,
            $"run {RunId}"
        );
        if (written)
            metrics.Transition(RunId, from, S.State);
        return written;
    }
}
