using System.Diagnostics.Metrics;

namespace SaEI.Grains.Storage;

/// <summary>
/// The meter <see cref="Name"/>: retries and circuit-breaker state of every <see cref="ResilientBlobStore"/> in the
/// process (its Polly pipeline calls these).
/// Decisions:
/// 1. Static, like the stores: they are made in many places (silo, client verbs, tests) without dependency injection.
/// 2. The circuit state is an up/down counter of the open circuits (open or half-open), one per store at most, plus a
///    counter of transitions by state: a scrape sees both "is storage cut off now" and "how often was it".
/// 3. Tags are low-cardinality: the operation (write, read, list, ...) and the breaker state, never a blob path.
/// </summary>
public static class StorageMetrics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "saei.storage";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("saei.storage.retries", "{retry}",
        "Blob storage attempts that failed transiently and were retried, by operation");

    private static readonly UpDownCounter<int> OpenCircuits = Meter.CreateUpDownCounter<int>(
        "saei.storage.circuit.open", "{circuit}", "Blob stores whose circuit breaker is open or half-open");

    private static readonly Counter<long> CircuitTransitions = Meter.CreateCounter<long>(
        "saei.storage.circuit.transitions", "{transition}", "Circuit-breaker transitions, by the state entered");

    /// <summary>One retry of <paramref name="operation"/>.</summary>
    public static void Retried(string operation) =>
        Retries.Add(1, new KeyValuePair<string, object?>("operation", operation));

    /// <summary>A breaker entered <paramref name="state"/> (open, half_open or closed); <paramref name="wasClosed"/>:
    /// it was closed before, so the open circuits change.</summary>
    public static void CircuitEntered(string state, bool wasClosed)
    {
        CircuitTransitions.Add(1, new KeyValuePair<string, object?>("state", state));
        if (state == "closed" && !wasClosed) OpenCircuits.Add(-1);
        else if (state != "closed" && wasClosed) OpenCircuits.Add(1);
    }
}
