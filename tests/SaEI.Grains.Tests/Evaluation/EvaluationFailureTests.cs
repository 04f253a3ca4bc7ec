using SaEI.Grains.Evaluation;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Tests.Training;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Evaluation;

/// <summary>
/// Issue 15 on a real one-silo cluster with the torch executor and Azurite: an out-of-domain benchmark whose data is
/// missing fails the same way on every try (a configuration/data error), so after
/// <see cref="EvaluatorGrain.MaxPermanentFailures"/> tries the run's evaluation fails with a note, instead of the run
/// staying Evaluating and the evaluation being retried forever.
/// </summary>
[Collection(nameof(TorchClusterCollection))]
public sealed class EvaluationFailureTests(TorchClusterFixture torch)
{
    [Fact]
    public async Task A_benchmark_with_missing_data_fails_the_runs_evaluation_after_bounded_tries()
    {
        string experiment = $"e-{Guid.NewGuid():N}"[..14];
        string missing = Path.Combine(torch.DataFolder, "no-such-table.jsonl");
        var grain = torch.Cluster.GrainFactory.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(
            $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/{{torch.Model}} }
            data:
              train: { format: synthetic, task: counting, split: train, size: 8, seed: 1 }
              test:  { name: synth-test, format: synthetic, task: counting, split: test, size: 4, seed: 2 }
              ood:
                - { name: gone, format: geometry3k, path: '{{missing}}' }
            seeds: [1]
            steps: 1
            rollout: { prompts_per_step: 2, mini_batch_prompts: 2, group_size: 2, max_new_tokens: 4, kl_coefficient: 0 }
            methods: { grpo: {} }
            eval: { every: 1 }
            checkpoint: { every: 1 }
            """,
            new Dictionary<string, string>()
        );
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        string runId = Assert.Single(launched.RunIds);
        var run = torch.Cluster.GrainFactory.GetGrain<IRunGrain>(runId);
        RunStatus status = null!;
        await Eventually.HoldsAsync(
            async () => (status = await run.GetStatusAsync()).State.IsTerminal(),
            TimeSpan.FromMinutes(3),
            "the run whose benchmark data is missing ended"
        );

        string explain =
            $"{status.State}; failures: {string.Join(" | ", status.Failures)}; "
            + $"notes: {string.Join(" | ", status.Notes)}";
        Assert.True(status.State == RunState.Failed, explain);
        Assert.Equal(1, status.CheckpointStep); // training itself completed
        var failure = Assert.Single(status.Failures);
        Assert.Equal(FailureKind.Configuration, failure.Kind);
        Assert.Contains(
            $"evaluation of gone at step {status.BestStep} failed",
            failure.Message,
            StringComparison.Ordinal
        );
        Assert.Contains($"{EvaluatorGrain.MaxPermanentFailures} tries", failure.Message, StringComparison.Ordinal);
        Assert.Contains(
            status.Notes,
            n => n.Contains("not retried: fix the configuration or data of gone", StringComparison.Ordinal)
        );
        // The failure is the evaluation's stored answer: asking again does not evaluate again.
        var evaluator = torch.Cluster.GrainFactory.GetGrain<IEvaluatorGrain>(
            EvaluationKey.Of(runId, status.BestStep, "gone")
        );
        var stored = await evaluator.EvaluateAsync(
            new EvaluationRequest(experiment, runId, status.BestStep, "gone", "grpo", 1)
        );
        Assert.NotNull(stored?.Failure);
    }
}
