namespace SaEI.Grains.Runs;

/// <summary>A run handed to a worker: the work and the epoch that fences every report of this attempt.</summary>
[GenerateSerializer, Immutable]
public sealed record RunAssignment(
    [property: Id(0)] RunDescriptor Run,
    [property: Id(1)] long Epoch,
    [property: Id(2)] int Restarts
);

/// <summary>What a worker reports when its executor finished every step.</summary>
[GenerateSerializer, Immutable]
public sealed record RunOutcome([property: Id(0)] int FinalStep, [property: Id(1)] string FinalWeightsSha256);
