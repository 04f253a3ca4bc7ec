namespace SaEI.Grains.Runs;

/// <summary>The run state machine (docs/architecture.md §3): Pending → Running → Evaluating → Completed / Failed /
/// Cancelled.</summary>
public enum RunState
{
    Pending,
    Running,
    Evaluating,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Why an attempt of a run ended early; decides whether and how often it is retried.</summary>
public enum FailureKind
{
    /// <summary>Storage, network, process or device trouble: retried from the last checkpoint, up to max_failures
    /// times.</summary>
    Infrastructure,

    /// <summary>NaN/Inf in loss or weights: retried from the previous checkpoint, up to max_failures times.</summary>
    Numeric,

    /// <summary>A bad option or bad data: never retried, reported with its cause.</summary>
    Configuration,

    /// <summary>The worker stopped reporting within its lease (e.g. its silo died): always reassigned, counted as a
    /// restart.</summary>
    WorkerLost,
}

/// <summary>The answer to a report from a worker: whether its epoch is still the run's current one.</summary>
public enum ReportVerdict
{
    /// <summary>The report was applied; the worker continues.</summary>
    Accepted,

    /// <summary>The worker's epoch is stale (the run was reassigned or cancelled): it must stop without
    /// committing.</summary>
    Fenced,

    /// <summary>The step was already committed (a retry of the same commit): nothing to do, continue.</summary>
    Duplicate,
}

/// <summary>Helpers over <see cref="RunState"/>.</summary>
public static class RunStates
{
    /// <summary>True for Completed, Failed and Cancelled: nothing runs any more.</summary>
    public static bool IsTerminal(this RunState state) =>
        state is RunState.Completed or RunState.Failed or RunState.Cancelled;
}
