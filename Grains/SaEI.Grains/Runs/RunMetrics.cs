using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SaEI.Grains.Runs;

/// <summary>
/// The meter <see cref="Name"/>: the runs of this silo by state, state transitions and restarts, fed by
/// <see cref="RunGrain"/> (one singleton per silo, from the host's <see cref="IMeterFactory"/>).
/// Decisions:
/// 1. "Runs by state" is an observable gauge over the run grains active on this silo (their id → state, kept here):
///    summed over silos it is the cluster's runs by state. A run grain collected when idle (terminal runs, after the
///    sweep) leaves the gauge; the transitions counter keeps the totals (e.g. runs completed).
/// 2. Transitions are counted after the write that made them succeeded, from the state the decision was taken on
///    (re-read after an ETag conflict), so a re-decided write is counted once.
/// 3. Tags are low-cardinality: state and failure kind, never a run id.
/// 4. Restarts are an observable counter over per-kind totals, so every kind is scraped from the start (0 until the
///    first restart) instead of the series appearing only with the first failure.
/// </summary>
public sealed class RunMetrics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "saei.runs";

    private readonly ConcurrentDictionary<string, RunState> active = new(StringComparer.Ordinal);
    private readonly Counter<long> transitions;
    private readonly long[] restarts = new long[Enum.GetValues<FailureKind>().Length];

    public RunMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(Name);
        meter.CreateObservableGauge("saei.runs", Observe, "{run}", "Runs whose grain is active on this silo, by state");
        transitions = meter.CreateCounter<long>(
            "saei.runs.transitions",
            "{transition}",
            "Runs that entered a state (tag state), e.g. state=completed counts finished runs"
        );
        meter.CreateObservableCounter(
            "saei.runs.restarts",
            ObserveRestarts,
            "{restart}",
            "Runs sent back to pending after a failure, by failure kind"
        );
    }

    /// <summary>A run grain holds <paramref name="runId"/> in <paramref name="state"/> (activation, transition).
    /// </summary>
    public void Track(string runId, RunState state) => active[runId] = state;

    /// <summary>The run's grain was deactivated on this silo.</summary>
    public void Forget(string runId) => active.TryRemove(runId, out _);

    /// <summary>A written transition from <paramref name="from"/> (null: a new run) to <paramref name="to"/>; not
    /// counted when the state did not change.</summary>
    public void Transition(string runId, RunState? from, RunState to)
    {
        Track(runId, to);
        if (from != to)
            transitions.Add(1, new KeyValuePair<string, object?>("state", StateName(to)));
    }

    /// <summary>A failure of <paramref name="kind"/> sent the run back to pending.</summary>
    public void Restarted(FailureKind kind) => Interlocked.Increment(ref restarts[(int)kind]);

    /// <summary>The tag value of a state (lower case, as `saei sweep status` prints it).</summary>
    public static string StateName(RunState state) => state.ToString().ToLowerInvariant();

    /// <summary>The tag value of a failure kind (snake case).</summary>
    public static string KindName(FailureKind kind) =>
        kind switch
        {
            FailureKind.WorkerLost => "worker_lost",
            _ => kind.ToString().ToLowerInvariant(),
        };

    private IEnumerable<Measurement<int>> Observe()
    {
        var counts = new int[Enum.GetValues<RunState>().Length];
        foreach (var state in active.Values)
            counts[(int)state]++;
        // Every state, zeros included, so a dashboard's series do not vanish when a state empties.
        return Enum.GetValues<RunState>()
            .Select(state => new Measurement<int>(
                counts[(int)state],
                new KeyValuePair<string, object?>("state", StateName(state))
            ));
    }

    private IEnumerable<Measurement<long>> ObserveRestarts() =>
        Enum.GetValues<FailureKind>()
            .Select(kind => new Measurement<long>(
                Interlocked.Read(ref restarts[(int)kind]),
                new KeyValuePair<string, object?>("kind", KindName(kind))
            ));
}
