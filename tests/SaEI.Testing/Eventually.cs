namespace SaEI.Testing;

/// <summary>Waits on a condition instead of sleeping; the failure message says what was expected.</summary>
public static class Eventually
{
    /// <summary>
    /// Polls <paramref name="condition"/> (every 50 ms, or <paramref name="poll"/>) until it holds or the timeout
    /// (scaled by <see cref="TestTimeouts"/>) passes.
    /// </summary>
    public static async Task HoldsAsync(
        Func<Task<bool>> condition,
        TimeSpan timeout,
        string expectation,
        TimeSpan? poll = null
    )
    {
        var scaled = TestTimeouts.Scaled(timeout);
        var deadline = DateTime.UtcNow + scaled;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Expected within {scaled.TotalSeconds:0}s: {expectation}");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
