namespace SaEI.Grains.Training;

/// <summary>How a silo runs the real trainer (configuration section "Saei:Torch").</summary>
public sealed class TorchExecutorOptions
{
    public const string Section = "Saei:Torch";

    /// <summary>"cpu", "cuda", "cuda:1", or "auto" (cuda when available). Default auto.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Intra-op threads for TorchSharp; 0 = the processor count. Fixed per process
    /// (reproducibility).</summary>
    public int Threads { get; set; }

    /// <summary><see cref="Threads"/>, or the processor count when it is 0.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>
    /// Folder for local copies of base models (<see cref="ModelStore"/>), kept private to the silo's user (0700).
    /// Default null: $XDG_CACHE_HOME/saei/models, else ~/.cache/saei/models.
    /// </summary>
    public string? ModelCache { get; set; }

    /// <summary>
    /// Memory one device may use, in GiB, for the memory plan's refusal (<see cref="MemoryPlanGate"/>). Default 0:
    /// MemAvailable from /proc/meminfo on the CPU; CUDA devices are not checked until set (e.g. 80 for an H100).
    /// </summary>
    public double AvailableMemoryGiB { get; set; }

    /// <summary>Image pairs (clean, perturbed) kept per checkpoint for inspection and the demo's Fig. 5.</summary>
    public int ImagePairsPerCheckpoint { get; set; } = 2;
}
