using SaEI.Grains.Runs;

namespace SaEI.Grains.Experiments;

/// <summary>The durable state of an experiment: its spec, the spec's fingerprint and the expanded run list.</summary>
[GenerateSerializer]
public sealed class ExperimentGrainState
{
    [Id(0)]
    public string? SpecYaml { get; set; }

    [Id(1)]
    public string? Fingerprint { get; set; }

    [Id(2)]
    public List<RunDescriptor> Runs { get; set; } = [];

    [Id(3)]
    public DateTimeOffset? LaunchedAt { get; set; }
}
