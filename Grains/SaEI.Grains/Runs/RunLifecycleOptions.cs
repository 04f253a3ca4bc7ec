namespace SaEI.Grains.Runs;

/// <summary>Lease and check periods of run grains (configuration section "Saei:Runs"). Tests shorten them to
/// seconds.</summary>
public sealed class RunLifecycleOptions
{
    public const string Section = "Saei:Runs";

    /// <summary>A worker that does not report within this time loses the run. Default 60 s (a step of a 7B model may
    /// take tens of seconds).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Period of the in-memory lease check (a grain timer). Default 10 s.</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Period of the durable reminder that re-activates the run after a silo crash. Default 1 min (Orleans' minimum
    /// unless lowered). Keep it at most <see cref="LeaseDuration"/>: a run whose grain died with its worker's silo is
    /// looked at again (and reassigned) only when the reminder fires on a live silo.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Notes kept per run (oldest dropped). Default 50.</summary>
    public int MaxNotes { get; set; } = 50;
}
