namespace SaEI.Grains.Tests.Sweeps;

/// <summary>Small specs for the sweep tests.</summary>
internal static class SpecSamples
{
    /// <summary>2 methods × (2 learning rates × 2 step sizes) × 3 seeds = 24 runs.</summary>
    public const string Grid = """
        experiment: synth-grid
        model: { family: tiny-vlm, base: models/tiny-vlm-sft }
        data:
          train: { format: synthetic, task: counting, size: 100, seed: 1 }
          test: { format: synthetic, task: counting, split: test, size: 30 }
          ood:
            - { name: synth-hard, format: synthetic, task: all, split: test, size: 20, difficulty: 3 }
        seeds: [1, 2, 3]
        steps: 20
        rollout: { prompts_per_step: 4, mini_batch_prompts: 2, temperature: 1.0 }
        methods:
          grpo: { group_size: 4 }
          saei: { group_size: 8, tokens: moderate, iterations: 1 }
        grid:
          learning_rate: [1.0e-4, 3.0e-4]
          step_size: [0.0078, 0.0157]
        eval: { every: 5 }
        checkpoint: { every: 10 }
        """;

    /// <summary>The same content as <see cref="Grid"/> with every mapping's keys reordered, seeds shuffled, numbers
    /// respelled.</summary>
    public const string GridReordered = """
        steps: 20
        checkpoint: { every: 10 }
        eval: { every: 5 }
        grid:
          step_size: [0.0078, 0.0157]
          learning_rate: [0.0001, 0.0003]
        methods:
          saei: { iterations: 1, tokens: Moderate, group_size: 8 }
          grpo: { group_size: 4 }
        rollout: { temperature: 1, mini_batch_prompts: 2, prompts_per_step: 4 }
        seeds: [3, 1, 2]
        data:
          ood:
            - { difficulty: 3, size: 20, split: test, task: all, format: synthetic, name: synth-hard }
          test: { size: 30, split: test, task: counting, format: synthetic }
          train: { seed: 1, size: 100, task: counting, format: synthetic }
        model: { base: models/tiny-vlm-sft, family: tiny-vlm }
        experiment: synth-grid
        """;

    /// <summary>A valid minimal spec with one method and one seed, into which tests splice mistakes.</summary>
    public static string Minimal(string methods = "grpo: {}", string extra = "") =>
        $$"""
            experiment: minimal
            model: { family: tiny-vlm }
            data:
              train: { format: synthetic, task: counting, size: 10 }
              test: { format: synthetic, task: counting, split: test, size: 10 }
            seeds: [1]
            steps: 10
            methods:
              {{methods}}
            {{extra}}
            """;
}
