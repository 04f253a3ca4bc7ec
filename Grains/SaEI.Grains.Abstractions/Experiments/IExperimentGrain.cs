using SaEI.Grains.Runs;

namespace SaEI.Grains.Experiments;

/// <summary>
/// One sweep (key: experiment id). Owns the spec, the expanded run list (stored before any run starts) and the
/// sweep's status. Relaunching the same spec is a no-op; a different spec under the same id is refused.
/// </summary>
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates the spec, stores its expanded run list, then queues every run. <paramref name="executorOptions"/>
    /// are added to every run's options for the executor (e.g. <c>sim_step_ms</c> of the simulated executor); they
    /// are not part of the spec's identity.
    /// </summary>
    Task<LaunchResult> LaunchAsync(string specYaml, IReadOnlyDictionary<string, string> executorOptions);

    Task<SweepStatus> GetStatusAsync();

    /// <summary>Cancels every run that has not finished; returns how many were cancelled.</summary>
    Task<int> CancelAsync();

    Task<IReadOnlyList<RunDescriptor>> GetRunsAsync();
}

public enum LaunchOutcome
{
    /// <summary>The run list was stored and the runs queued.</summary>
    Launched,

    /// <summary>The same spec was launched before: nothing new was created.</summary>
    AlreadyLaunched,

    /// <summary>The spec is invalid, or differs from the one stored under this id.</summary>
    Refused,
}

[GenerateSerializer, Immutable]
public sealed record LaunchResult(
    [property: Id(0)] LaunchOutcome Outcome,
    [property: Id(1)] string Message,
    [property: Id(2)] IReadOnlyList<string> RunIds
);

/// <summary>A sweep's runs and counts by state.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepStatus(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] bool Launched,
    [property: Id(2)] IReadOnlyList<RunStatus> Runs
)
{
    public int Count(RunState state) => Runs.Count(r => r.State == state);

    /// <summary>True when every run is Completed, Failed or Cancelled.</summary>
    public bool Finished => Launched && Runs.All(r => r.State.IsTerminal());
}
