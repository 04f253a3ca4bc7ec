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
}
