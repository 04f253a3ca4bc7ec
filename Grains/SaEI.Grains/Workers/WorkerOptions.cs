namespace SaEI.Grains.Workers;

/// <summary>Options of a GPU-role silo's worker (configuration section "Saei:Worker").</summary>
public sealed class WorkerOptions
{
    public const string Section = "Saei:Worker";

    /// <summary>Runs this node executes at once. Default 1 (one run = one node, its devices hold the layer
    /// shards).</summary>
    public int Slots { get; set; } = 1;

    /// <summary>
    /// The node's devices, e.g. ["cuda:0", "cuda:1"]: each run's model stages are spread over them by
    /// <see cref="ShardPlan"/> (balanced by parameter bytes). Empty (default): the executor's one device
    /// (Saei:Torch:Device, default auto).
    /// </summary>
    public List<string> Devices { get; set; } = [];

    /// <summary>How often an idle worker asks the scheduler for work even without a wake-up. Default 1 s.</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the silo's watchdog makes sure its worker grain is active, so the scheduler's wake-ups reach it (it
    /// re-activates one that Orleans deactivated, e.g. when the silo holding its directory entry died; the runs go
    /// on meanwhile). Default 5 s.
    /// </summary>
    public TimeSpan WatchdogPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On shutdown, how long the worker waits for its attempts to stop and hand their runs back. Default 10
    /// s.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);
}
