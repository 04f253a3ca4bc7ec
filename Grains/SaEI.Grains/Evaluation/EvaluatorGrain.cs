using Microsoft.Extensions.Logging;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Evaluation;

/// <summary>
/// One evaluation of one checkpoint on one benchmark. Idempotent: the result is stored in grain state and returned
/// on every later call, so a run that retries its Evaluating phase never evaluates twice.
/// Decisions:
/// 1. The evaluation runs off the grain scheduler and a call waits for it at most <see cref="Wait"/>, then returns
///    null ("still running, ask again"): an evaluation of 512 problems × k samples can outlast the messaging
///    timeout, and the caller (a non-reentrant run grain) must not be blocked that long — its status is read by
///    the sweep's table meanwhile. The run grain's periodic check asks again.
/// 2. A failed evaluation is classified (<see cref="Classify"/>) and counted in grain state, then rethrown to the
///    caller that finds it; the next call starts it again. A configuration or data error fails the same way every
///    time: after <see cref="MaxPermanentFailures"/> of them the failure is the stored result
///    (<see cref="EvaluationResult.Failure"/>) and the run fails its evaluation with a note. Infrastructure
///    failures (storage, process) are retried on every call.
/// </summary>
public sealed class EvaluatorGrain(
    [PersistentState("evaluation", StorageNames.GrainState)] IPersistentState<EvaluatorGrainState> state,
    IBenchmarkEvaluator evaluator,
    TimeProvider time,
    ILogger<EvaluatorGrain> logger
) : Grain, IEvaluatorGrain
{
    /// <summary>The longest a call waits for a running evaluation (well under the 30 s messaging timeout).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>Configuration or data failures of one evaluation before it is given up.</summary>
    public const int MaxPermanentFailures = 3;

    private Task<(double Score, int Samples)>? running;

    public async Task<EvaluationResult?> EvaluateAsync(EvaluationRequest request)
    {
        if (state.State.Result is { } stored)
            return stored;
        running ??= Task.Run(() => evaluator.EvaluateAsync(request, CancellationToken.None));
        await Task.WhenAny(running, Task.Delay(Wait, time));
        if (!running.IsCompleted)
            return null;
        var finished = running;
        running = null;
        (double Score, int Samples) outcome;
        try
        {
            outcome = await finished;
        }
        catch (Exception e)
        {
            if (await RecordFailureAsync(request, e) is { } givenUp)
                return givenUp;
            throw; // the next call starts the evaluation again
        }
        var result = new EvaluationResult(request.Benchmark, request.Step, outcome.Score, outcome.Samples);
        // Another activation may have stored a result first: the stored one is the answer (results are deterministic).
        await Update(s =>
        {
            if (s.Result is not null)
                return false;
            s.Result = result;
            return true;
        });
        return state.State.Result;
    }

    /// <summary>Counts the failure by kind; the stored failure result once it is permanent and tried enough.</summary>
    private async Task<EvaluationResult?> RecordFailureAsync(EvaluationRequest request, Exception error)
    {
        var (kind, message) = Classify(error);
        logger.LogWarning(error, "Evaluation {Key}: {Kind} failure", this.GetPrimaryKeyString(), kind);
        await Update(s =>
        {
            if (s.Result is not null)
                return false;
            int count = s.FailureCounts.GetValueOrDefault(kind) + 1;
            s.FailureCounts[kind] = count;
            if (kind == FailureKind.Configuration && count >= MaxPermanentFailures)
                s.Result = new EvaluationResult(request.Benchmark, request.Step, double.NaN, 0)
                {
                    Failure = $"{kind} failure, {count} tries: {message}",
                };
            return true;
        });
        return state.State.Result is { Failure: not null } failed ? failed : null;
    }

    /// <summary>
    /// The class of an evaluation failure: as a run's (<see cref="FailureClassifier"/>), and an argument error (a
    /// benchmark the run does not have, a model that does not load) is configuration too, as in the executor.
    /// </summary>
    public static (FailureKind Kind, string Message) Classify(Exception error)
    {
        var (kind, message) = FailureClassifier.Classify(error);
        var cause = error is AggregateException { InnerExceptions.Count: 1 } one ? one.InnerExceptions[0] : error;
        return cause is ArgumentException ? (FailureKind.Configuration, message) : (kind, message);
    }

    private Task<bool> Update(Func<EvaluatorGrainState, bool> decide) =>
        GrainStateUpdate.ApplyAsync(
            state,
            decide,
            DeactivateOnIdle,
            logger,
            $"evaluation {this.GetPrimaryKeyString()}"
        );
}

[GenerateSerializer]
public sealed class EvaluatorGrainState
{
    [Id(0)]
    public EvaluationResult? Result { get; set; }

    /// <summary>Failed tries by kind (<see cref="EvaluatorGrain"/> decision 2).</summary>
    [Id(1)]
    public Dictionary<FailureKind, int> FailureCounts { get; set; } = [];
}
