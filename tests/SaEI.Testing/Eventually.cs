namespace SaEI.Testing;

/// <summary>Waits on a condition instead of sleeping; the failure message says what was expected.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string expectation)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Expected within {timeout.TotalSeconds:0}s: {expectation}");
            await Task.Delay(50);
        }
    }
}
