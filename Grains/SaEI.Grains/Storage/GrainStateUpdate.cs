using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace SaEI.Grains.Storage;

/// <summary>
/// The one way a grain changes its persistent state: decide → write with the ETag → on an ETag conflict re-read and
/// decide again → on any other storage failure deactivate. Used by every grain that writes state.
/// Decisions:
/// 1. <c>decide</c> mutates the state it is given and returns whether anything changed; it is called again on the
///    re-read state after a conflict (another activation wrote first), so a change is never a blind overwrite.
/// 2. After <see cref="MaxConflicts"/> conflicts in a row, or any other failure (storage down, a failed re-read),
///    the grain deactivates and the error goes to the caller: the in-memory state may be ahead of storage, so the
///    next call starts from durable state, and the caller's retry takes the decision again.
/// </summary>
public static class GrainStateUpdate
{
    /// <summary>ETag conflicts re-decided before the update gives up.</summary>
    public const int MaxConflicts = 3;

    /// <summary>Applies <paramref name="decide"/> and writes the result; whether a change was written.</summary>
    public static async Task<bool> ApplyAsync<TState>(
        IPersistentState<TState> state,
        Func<TState, bool> decide,
        Action deactivate,
        ILogger logger,
        string owner
    )
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(decide);
        ArgumentNullException.ThrowIfNull(deactivate);
        try
        {
            for (int conflicts = 0; ; conflicts++)
            {
                if (!decide(state.State))
                    return false;
                try
                {
                    await state.WriteStateAsync();
                    return true;
                }
                catch (InconsistentStateException e) when (conflicts < MaxConflicts)
                {
                    logger.LogWarning(
                        e,
                        "{Owner}: state changed under us (ETag conflict); re-reading and deciding again",
                        owner
                    );
                }
                await state.ReadStateAsync();
            }
        }
        catch (Exception)
        {
            deactivate();
            throw;
        }
    }
}
