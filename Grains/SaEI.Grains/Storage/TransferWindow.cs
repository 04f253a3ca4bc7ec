namespace SaEI.Grains.Storage;

/// <summary>
/// A sliding window of block transfers: at most <c>capacity</c> in flight, completed strictly in the order they were
/// added (so a download can hash and write its ranges in file order). The first failure cancels the others, waits
/// for them (no block buffer is still in use when the caller sees the error) and is rethrown.
/// </summary>
internal sealed class TransferWindow<T>(int capacity, CancellationToken cancellation, Func<T, Task>? onCompleted = null)
{
    private readonly CancellationTokenSource abort = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    private readonly Queue<Task<T>> inFlight = new();

    /// <summary>Starts a transfer on the thread pool (hashing a block then overlaps reading the next).</summary>
    public void Add(Func<CancellationToken, Task<T>> start)
    {
        var token = abort.Token;
        inFlight.Enqueue(Task.Run(() => start(token), token));
    }

    /// <summary>Completes the oldest transfers until fewer than the capacity are in flight.</summary>
    public async Task MakeRoomAsync()
    {
        while (inFlight.Count >= capacity)
            await CompleteOldestAsync();
    }

    /// <summary>Completes every transfer still in flight.</summary>
    public async Task DrainAsync()
    {
        while (inFlight.Count > 0)
            await CompleteOldestAsync();
        abort.Dispose();
    }

    private async Task CompleteOldestAsync()
    {
        var oldest = inFlight.Dequeue();
        try
        {
            T value = await oldest;
            if (onCompleted is not null)
                await onCompleted(value);
        }
        catch
        {
            await abort.CancelAsync();
            while (inFlight.Count > 0)
            {
                try
                {
                    await inFlight.Dequeue();
                }
                catch (Exception)
                {
                    // The first failure is the one reported; the others were cancelled because of it.
                }
            }
            abort.Dispose();
            throw;
        }
    }
}
