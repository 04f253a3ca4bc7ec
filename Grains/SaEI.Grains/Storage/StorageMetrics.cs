using System.Diagnostics.Metrics;

namespace SaEI.Grains.Storage;

/// <summary>
/// The meter <see cref="Name"/>: retries and circuit-breaker state of every <see cref="ResilientBlobStore"/> in the
/// process (its Polly pipeline calls these).
/// Decisions:
/// 1. Static, like the stores: they are made in many places (silo, client verbs, tests) without dependency injection.
/// 2. The circuit state is a gauge of the open circuits (open or half-open), one per store at most, plus a counter of
///    transitions by state: a scrape sees both "is storage cut off now" and "how often was it". A gauge rather than
///    an up/down counter so that the series exists (at 0) before the first failure.
/// 3. Tags are low-cardinality: the operation (write, read, list, ...) and the breaker state, never a blob path.
/// </summary>
public static class StorageMetrics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "saei.storage";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "saei.storage.retries",
        "{retry}",
        "Blob storage attempts that failed transiently and were retried, by operation"
    );

    private static int openCircuits;

    /// <summary>Blob stores whose circuit breaker is open or half-open now. Unit {circuit}.</summary>
    public static ObservableGauge<int> OpenCircuits { get; } =
        Meter.CreateObservableGauge(
            "saei.storage.circuit.open",
            () => Volatile.Read(ref openCircuits),
            "{circuit}",
            "Blob stores whose circuit breaker is open or half-open"
        );

    private static readonly Counter<long> CircuitTransitions = Meter.CreateCounter<long>(
        "saei.storage.circuit.transitions",
        "{transition}",
        "Circuit-breaker transitions, by the state entered"
    );

    /// <summary>Creates the meter (its gauge reports 0 from the first store on, not from the first failure).</summary>
    public static void Register() => _ = OpenCircuits;

    /// <summary>One retry of <paramref name="operation"/>.</summary>
    public static void Retried(string operation) =>
        Retries.Add(1, new KeyValuePair<string, object?>("operation", operation));

    /// <summary>A breaker entered <paramref name="state"/> (open, half_open or closed); <paramref name="wasClosed"/>:
    /// it was closed before, so the open circuits change.</summary>
    public static void CircuitEntered(string state, bool wasClosed)
    {
        CircuitTransitions.Add(1, new KeyValuePair<string, object?>("state", state));
        if (state == "closed" && !wasClosed)
            Interlocked.Decrement(ref openCircuits);
        else if (state != "closed" && wasClosed)
            Interlocked.Increment(ref openCircuits);
    }
}
