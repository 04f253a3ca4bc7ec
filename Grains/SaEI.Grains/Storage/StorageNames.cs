namespace SaEI.Grains.Storage;

/// <summary>Names shared by the silo's configuration and the grains.</summary>
public static class StorageNames
{
    /// <summary>The Orleans grain-storage provider (Azure Blob) that holds every grain's state.</summary>
    public const string GrainState = "saei";

    /// <summary>The blob container for grain state.</summary>
    public const string GrainStateContainer = "saei-grain-state";

    /// <summary>The blob container for experiments, checkpoints, metrics and base models (docs/architecture.md §4).
    /// </summary>
    public const string DataContainer = "saei";
}
