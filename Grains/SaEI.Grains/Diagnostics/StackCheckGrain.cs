using SaEI.Grains.Storage;

namespace SaEI.Grains.Diagnostics;

/// <inheritdoc cref="IStackCheckGrain"/>
public sealed class StackCheckGrain(
    [PersistentState("stack-check", StorageNames.GrainState)] IPersistentState<StackCheckState> state
) : Grain, IStackCheckGrain
{
    public async Task<int> IncrementAsync()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Count);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
