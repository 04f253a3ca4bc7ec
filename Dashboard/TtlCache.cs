using System.Collections.Concurrent;

namespace SaEI.Dashboard;

/// <summary>
/// A small time-to-live cache of page data, stale-while-revalidate. Decisions:
/// 1. Concurrent requests for a missing key share one load (the first caller's task), so a burst of 32 clients fans
///    out to the grains once, not 32 times.
/// 2. An expired value younger than <see cref="StaleFactor"/> lifetimes is answered at once while one background
///    load refreshes it: no poller waits for the fan-out to 1,000 run grains (about 0.1 s), so the page's latency is
///    the copy of cached bytes. Data is then at most one lifetime plus one load old.
/// 3. A failed load is not kept (the next request retries). Bounded: past <see cref="MaxEntries"/> the expired
///    entries are dropped, then everything. Loads get no request's cancellation: a refresh outlives its trigger.
/// </summary>
internal sealed class TtlCache(TimeProvider time, TimeSpan ttl)
{
    public const int MaxEntries = 1_000;

    /// <summary>Values older than this many lifetimes are loaded again before answering.</summary>
    public const int StaleFactor = 20;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public async Task<T> GetAsync<T>(string key, Func<Task<T>> load, TimeSpan? lifetime = null)
    {
        var now = time.GetUtcNow();
        var life = lifetime ?? ttl;
        if (entries.TryGetValue(key, out var cached))
        {
            var age = now - cached.At;
            if (age < life)
                return (T)await cached.Value;
            if (cached.Value.IsCompletedSuccessfully && age < life * StaleFactor)
            {
                if (Interlocked.Exchange(ref cached.Refreshing, 1) == 0)
                    _ = RefreshAsync(key, cached, load);
                return (T)cached.Value.Result;
            }
        }
        var loading = new Entry(LoadAsync(load), now);
        var entry = entries.AddOrUpdate(
            key,
            loading,
            (_, existing) => !existing.Value.IsCompleted || now - existing.At < life ? existing : loading
        );
        if (entries.Count > MaxEntries)
            Trim(now, life);
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

    private async Task RefreshAsync<T>(string key, Entry stale, Func<Task<T>> load)
    {
        try
        {
            object value = await LoadAsync(load);
            entries.TryUpdate(key, new Entry(Task.FromResult(value), time.GetUtcNow()), stale);
        }
        catch (Exception)
        {
            // The stale value stays; the next request past its lifetime tries again.
            Volatile.Write(ref stale.Refreshing, 0);
        }
    }

    private static async Task<object> LoadAsync<T>(Func<Task<T>> load) => (await load())!;

    private void Trim(DateTimeOffset now, TimeSpan life)
    {
        foreach (var (key, entry) in entries)
            if (now - entry.At >= life * StaleFactor)
                entries.TryRemove(key, out _);
        if (entries.Count > MaxEntries)
            entries.Clear();
    }

    private sealed class Entry(Task<object> value, DateTimeOffset at)
    {
        public Task<object> Value { get; } = value;
        public DateTimeOffset At { get; } = at;
        public int Refreshing;
    }
}
