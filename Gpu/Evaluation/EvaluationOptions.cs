using SaEI.Gpu.Rollout;

namespace SaEI.Gpu.Evaluation;

/// <summary>How a benchmark is sampled (docs/algorithm.md §7, EasyR1 <c>val_override_config</c>).</summary>
public sealed record EvaluationOptions
{
    /// <summary>k, responses sampled per problem; pass@1 is their mean accuracy. Default 4 (our choice; EasyR1
    /// validation samples 1).</summary>
    public int SamplesPerProblem { get; init; } = 4;

    /// <summary>Sampling temperature. Default 0.6 (EasyR1 validation).</summary>
    public double Temperature { get; init; } = 0.6;

    /// <summary>Nucleus mass. Default 0.95 (EasyR1 validation).</summary>
    public double TopP { get; init; } = 0.95;

    /// <summary>Most tokens per response. Default 48 (the synthetic targets are 15-30 tokens).</summary>
    public int MaxNewTokens { get; init; } = 48;

    /// <summary>Problems per generation call (each sampled k times in the same call). Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Seed of the sampling generator; with the same batch size the same seed gives the same samples. Default
    /// 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>The generation settings of one call.</summary>
    public GenerationOptions ToGenerationOptions() =>
        new()
        {
            ResponsesPerPrompt = SamplesPerProblem,
            Temperature = Temperature,
            TopP = TopP,
            MaxNewTokens = MaxNewTokens,
        };

    /// <summary>Throws naming the option, its range and what to set instead.</summary>
    public void Validate()
    {
        ToGenerationOptions().Validate();
        if (BatchSize < 1)
            throw new ArgumentException($"{nameof(BatchSize)} is {BatchSize}; set it to 1 or more.", nameof(BatchSize));
    }
}
