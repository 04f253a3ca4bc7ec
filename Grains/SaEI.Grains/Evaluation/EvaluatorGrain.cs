using Orleans.Storage;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Evaluation;

/// <summary>
/// One evaluation of one checkpoint on one benchmark. Idempotent: the result is stored in grain state and returned
/// on every later call, so a run that retries its Evaluating phase never evaluates twice.
/// Decisions:
/// 1. The evaluation runs off the grain scheduler and a call waits for it at most <see cref="Wait"/>, then returns
///    null ("still running, ask again"): an evaluation of 512 problems × k samples can outlast the messaging
///    timeout, and the caller (a non-reentrant run grain) must not be blocked that long — its status is read by
///    the sweep's table meanwhile. The run grain's periodic check asks again.
/// 2. A failed evaluation is rethrown to the caller that finds it, and the next call starts it again.
/// </summary>
public sealed class EvaluatorGrain(
    [PersistentState("evaluation", StorageNames.GrainState)] IPersistentState<EvaluatorGrainState> state,
    IBenchmarkEvaluator evaluator,
    TimeProvider time) : Grain, IEvaluatorGrain
{
    /// <summary>The longest a call waits for a running evaluation (well under the 30 s messaging timeout).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private Task<(double Score, int Samples)>? running;

    public async Task<EvaluationResult?> EvaluateAsync(EvaluationRequest request)
    {
        if (state.State.Result is { } stored) return stored;
        running ??= Task.Run(() => evaluator.EvaluateAsync(request, CancellationToken.None));
        await Task.WhenAny(running, Task.Delay(Wait, time));
        if (!running.IsCompleted) return null;
        var finished = running;
        running = null;
        var (score, samples) = await finished; // rethrows a failure; the next call starts the evaluation again
        state.State.Result = new EvaluationResult(request.Benchmark, request.Step, score, samples);
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation stored a result first: the stored one is the answer (results are deterministic).
            await state.ReadStateAsync();
            if (state.State.Result is null) throw;
        }
        return state.State.Result;
    }
}

[GenerateSerializer]
public sealed class EvaluatorGrainState
{
    [Id(0)] public EvaluationResult? Result { get; set; }
}
