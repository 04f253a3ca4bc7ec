using Orleans.Storage;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Evaluation;

/// <summary>
/// One evaluation of one checkpoint on one benchmark. Idempotent: the result is stored in grain state and returned
/// on every later call, so a run that retries its Evaluating phase never evaluates twice.
/// </summary>
public sealed class EvaluatorGrain(
    [PersistentState("evaluation", StorageNames.GrainState)] IPersistentState<EvaluatorGrainState> state,
    IBenchmarkEvaluator evaluator) : Grain, IEvaluatorGrain
{
    public async Task<EvaluationResult> EvaluateAsync(EvaluationRequest request)
    {
        if (state.State.Result is { } stored) return stored;
        var (score, samples) = await Task.Run(() => evaluator.EvaluateAsync(request, CancellationToken.None));
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
