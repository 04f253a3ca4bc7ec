using SaEI.Gpu.Training;

namespace SaEI.Gpu.Rollout;

/// <summary>Sampling settings of one rollout (docs/algorithm.md §1.1, §7).</summary>
public sealed record GenerationOptions
{
    /// <summary>G, responses sampled per prompt. Default 8 (RlOptions.GroupSize's default).</summary>
    public int ResponsesPerPrompt { get; init; } = 8;

    /// <summary>Softmax temperature; 0 = greedy (argmax). Default 1.0 (EasyR1 rollout; validation uses 0.6).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass kept, in (0,1]; 1 = no truncation. Default 1.0 (EasyR1 rollout; validation
    /// 0.95).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Most tokens generated per response. Default 64 (RL rollouts pass max_new_tokens).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Rows (responses) decoded together; 0 = all N rows at once (default). Smaller values bound the KV cache
    /// and the prefill to that many rows and change the random stream (<see cref="Generation"/> decision 5).</summary>
    public int BatchRows { get; init; }

    /// <summary>The RL rollout settings (temperature, top_p, max new tokens) with <paramref name="responsesPerPrompt"/>
    /// (GroupSize for GRPO; CleanResponses / PerturbedResponses for SaEI and NoisyRollout).</summary>
    public static GenerationOptions FromRl(RlOptions options, int responsesPerPrompt) =>
        new()
        {
            ResponsesPerPrompt = responsesPerPrompt,
            Temperature = options.Temperature,
            TopP = options.TopP,
            MaxNewTokens = options.MaxNewTokens,
            BatchRows = options.GenerationBatchRows,
        };

    /// <summary>Throws naming the option, its range and what to set instead.</summary>
    public void Validate()
    {
        if (ResponsesPerPrompt < 1)
            throw new ArgumentException(
                $"{nameof(ResponsesPerPrompt)} is {ResponsesPerPrompt}; set it to 1 or more.",
                nameof(ResponsesPerPrompt)
            );
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            throw new ArgumentException(
                $"{nameof(Temperature)} is {Temperature}; set a finite value ≥ 0 (0 = greedy).",
                nameof(Temperature)
            );
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentException(
                $"{nameof(TopP)} is {TopP}; set a value in (0, 1] (1 = no truncation).",
                nameof(TopP)
            );
        if (BatchRows < 0)
            throw new ArgumentException(
                $"{nameof(BatchRows)} is {BatchRows}; set 0 (all rows at once) or a positive row count.",
                nameof(BatchRows)
            );
        if (MaxNewTokens < 1)
            throw new ArgumentException(
                $"{nameof(MaxNewTokens)} is {MaxNewTokens}; set it to 1 or more.",
                nameof(MaxNewTokens)
            );
    }
}
