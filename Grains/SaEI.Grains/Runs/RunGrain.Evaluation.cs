using Orleans.Storage;
using Microsoft.Extensions.Logging;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Leaderboards;

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
        if (S.State != RunState.Evaluating || evaluating) return;
        evaluating = true;
        try
        {
            var run = S.Run!;
            var pending = run.Benchmarks.Where(b => !S.Benchmarks.ContainsKey(b)).ToList();
            var results = await Task.WhenAll(pending.Select(benchmark => GrainFactory
                .GetGrain<IEvaluatorGrain>(EvaluationKey.Of(run.RunId, S.BestStep, benchmark))
                .EvaluateAsync(new EvaluationRequest(run.ExperimentId, run.RunId, S.BestStep, benchmark, run.Method, run.Seed))));
            // Still running (EvaluatorGrain decision 1): the lease timer's next check asks again.
            if (results.Any(result => result is null)) return;
            var scores = new Dictionary<string, double>(S.Benchmarks);
            foreach (var result in results) scores[result!.Benchmark] = result.Score;
            double inDomain = S.BestAccuracy ?? S.Metrics.GetValueOrDefault(MetricNames.Accuracy);
            var recorded = new Dictionary<string, double>(scores) { [MetricNames.InDomain] = inDomain };
            await GrainFactory.GetGrain<ILeaderboardGrain>(run.ExperimentId)
                .RecordAsync(new RunScores(run.RunId, run.Method, run.ConfigKey, run.Seed,
                    recorded) { Step = S.BestStep });
            bool completed = await UpdateAsync(s =>
            {
                if (s.State != RunState.Evaluating) return false;
                foreach (var (name, score) in scores) s.Benchmarks[name] = score;
                s.State = RunState.Completed;
                return true;
            });
            if (completed) await StopTimersAsync();
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
    /// The best in-domain step among the evaluated steps that can be loaded: step 0 (the base model, evaluated before
    /// the first update; no checkpoint needed) and the step just committed. Ties keep the earlier step.
    /// </summary>
    private static void UpdateBest(RunGrainState s, int committedStep)
    {
        foreach (int step in committedStep == 0 ? [0] : new[] { 0, committedStep })
        {
            if (s.EvalAccuracy.TryGetValue(step, out double accuracy) && (s.BestAccuracy is null
                || accuracy > s.BestAccuracy))
            {
                s.BestAccuracy = accuracy;
                s.BestStep = step;
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="decide"/> (which mutates the state and returns whether anything changed) and writes it.
    /// On an ETag conflict (another activation wrote first) the state is re-read and the decision taken again on it —
    /// never a blind overwrite. Returns whether a change was written.
    /// </summary>
    private async Task<bool> UpdateAsync(Func<RunGrainState, bool> decide)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (!decide(S)) return false;
            try
            {
                await state.WriteStateAsync();
                return true;
            }
            catch (InconsistentStateException e) when (attempt < 3)
            {
                logger.LogWarning(e, "Run {RunId}: state changed under us (ETag conflict); re-reading and deciding again", RunId);
                await state.ReadStateAsync();
            }
            catch (Exception)
            {
                // The in-memory state may be ahead of storage: start the next call from durable state.
                DeactivateOnIdle();
                throw;
            }
        }
    }
}
