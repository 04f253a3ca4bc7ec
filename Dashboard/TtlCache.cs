using System.Collections.Concurrent;

namespace SaEI.Dashboard;

/// <summary>
/// A small time-to-live cache of page data. Concurrent requests for the same key share one load (the first caller's
/// task), so a burst of 32 clients fans out to the grains once per time to live, not 32 times. A failed load is
/// not kept. Bounded: past <see cref="MaxEntries"/> the expired entries are dropped, then everything.
/// </summary>
internal sealed class TtlCache(TimeProvider time, TimeSpan ttl)
{
    public const int MaxEntries = 1_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public async Task<T> GetAsync<T>(string key, Func<Task<T>> load, TimeSpan? lifetime = null)
    {
        var now = time.GetUtcNow();
        var life = lifetime ?? ttl;
        if (entries.TryGetValue(key, out var cached) && now - cached.At < life)
            return (T)await cached.Value;
        var loading = new Entry(LoadAsync(load), now);
        var entry = entries.AddOrUpdate(key, loading,
            (_, existing) => now - existing.At < life ? existing : loading);
        if (entries.Count > MaxEntries) Trim(now, life);
        try
        {
            return (T)await entry.Value;
        }
        catch
        {
            entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            throw;
        }
    }

    private static async Task<object> LoadAsync<T>(Func<Task<T>> load) => (await load())!;

    private void Trim(DateTimeOffset now, TimeSpan life)
    {
        foreach (var (key, entry) in entries)
            if (now - entry.At >= life) entries.TryRemove(key, out _);
        if (entries.Count > MaxEntries) entries.Clear();
    }

    private sealed record Entry(Task<object> Value, DateTimeOffset At);
}
