namespace SaEI.Testing;

/// <summary>Small valid sweep specs for orchestration tests (simulated executor: the model and data are never
/// loaded).</summary>
public static class SweepSpecs
{
    /// <summary>2 methods (by default) × <paramref name="seeds"/> seeds, eval every 2, one ood benchmark.</summary>
    public static string Small(
        string experiment,
        int steps = 6,
        int seeds = 3,
        string methods = "grpo: {}\n  saei: { step_size: 0.0078 }",
        int checkpointEvery = 3,
        int maxFailures = 3
    ) =>
        $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/tiny-vlm-sft }
            data:
              train: { format: synthetic, task: all, split: train, size: 40, seed: 1 }
              test:  { name: synth-test, format: synthetic, task: all, split: test, size: 20, seed: 1 }
              ood:
                - { name: synth-hard, format: synthetic, task: all, split: test, size: 20, seed: 1, difficulty: 3 }
            seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
            steps: {{steps}}
            methods:
              {{methods}}
            eval: { every: 2 }
            checkpoint: { every: {{checkpointEvery}} }
            max_failures: {{maxFailures}}
            """;

    /// <summary>
    /// GRPO vs SaEI on counting+length for the real TorchSharp path (base models/tiny-vlm-sft-quick): 2 prompts × 4
    /// responses a step, 8 test and 8 out-of-domain problems, k = 1, evaluation and checkpoint every 2 steps.
    /// </summary>
    public static string TinyTorch(string experiment, int steps, int seeds, int trainSize, int maxNewTokens) =>
        $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/tiny-vlm-sft-quick }
            data:
              train:
                format: synthetic
                task: counting+length
                split: train
                size: {{trainSize}}
                seed: 11
                difficulty: 1
              test:
                name: synth-test
                format: synthetic
                task: counting+length
                split: test
                size: 8
                seed: 12
                difficulty: 1
              ood:
                - name: synth-hard
                  format: synthetic
                  task: counting+length
                  split: test
                  size: 8
                  seed: 13
                  difficulty: 2
            seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
            steps: {{steps}}
            rollout:
              prompts_per_step: 2
              mini_batch_prompts: 2
              group_size: 4
              max_new_tokens: {{maxNewTokens}}
              learning_rate: 0.0003
            methods:
              grpo: {}
              saei: { step_size: 0.0078, iterations: 1, tokens: moderate }
            eval: { every: 2, samples: 1 }
            checkpoint: { every: 2 }
            """;
}
