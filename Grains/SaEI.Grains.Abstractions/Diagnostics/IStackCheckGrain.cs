namespace SaEI.Grains.Diagnostics;

/// <summary>
/// A tiny grain with durable state, used by `saei demo --check` and the foundation tests to prove that a silo runs
/// and that its grain storage (Azure Blob, Azurite locally) round-trips state across deactivation.
/// </summary>
public interface IStackCheckGrain : IGrainWithStringKey
{
    /// <summary>Adds one to the stored counter, writes it to storage and returns the new value.</summary>
    Task<int> IncrementAsync();

    /// <summary>The stored counter.</summary>
    Task<int> GetAsync();

    /// <summary>Asks the runtime to deactivate this grain once the call returns.</summary>
    Task DeactivateAsync();
}

/// <summary>State of <see cref="IStackCheckGrain"/>.</summary>
[GenerateSerializer]
public sealed class StackCheckState
{
    [Id(0)]
    public int Count { get; set; }
}
