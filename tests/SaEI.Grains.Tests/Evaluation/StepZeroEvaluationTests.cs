using Microsoft.Extensions.Configuration;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Tests.Training;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Evaluation;

/// <summary>
/// Issue 14 on a real one-silo cluster with the torch executor and Azurite: a sweep of two methods × two seeds on a
/// tiny random TinyVlm evaluates the base model at step 0 (the first point of the accuracy curve, a candidate for best
/// in-domain, and then the checkpoint the out-of-domain set is scored on), stores per-problem results, and — common
/// random numbers — every run samples exactly the same responses at step 0, whatever its method or seed.
/// </summary>
[Collection(nameof(TorchClusterCollection))]
public sealed class StepZeroEvaluationTests(TorchClusterFixture torch)
{
    [Fact]
    public async Task Step_zero_is_evaluated_with_common_random_numbers_and_feeds_the_comparisons()
    {
        string experiment = $"z-{Guid.NewGuid():N}"[..14];
        var grain = torch.Cluster.GrainFactory.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(
            $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/{{torch.Model}} }
            data:
              train: { format: synthetic, task: counting, split: train, size: 16, seed: 1 }
              test:  { name: synth-test, format: synthetic, task: counting, split: test, size: 6, seed: 2 }
              ood:
                - { name: synth-hard, format: synthetic, task: counting, split: test, size: 6, seed: 3, difficulty: 2 }
            seeds: [1, 2]
            steps: 2
            rollout: { prompts_per_step: 2, mini_batch_prompts: 2, group_size: 2, max_new_tokens: 6 }
            methods: { grpo: {}, saei: {} }
            eval: { every: 1, samples: 4, temperature: 0.6 }
            checkpoint: { every: 1 }
            """,
            new Dictionary<string, string>()
        );
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        SweepStatus status = null!;
        await Eventually.HoldsAsync(
            async () => (status = await grain.GetStatusAsync()).Runs.All(r => r.State.IsTerminal()),
            TimeSpan.FromMinutes(3),
            "every run of the step-0 sweep ended"
        );

        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer);
        var store = new ProblemResultsStore(blobs);
        var stepZero = new List<StoredProblemResults>();
        foreach (var run in status.Runs)
        {
            Assert.True(
                run.State == RunState.Completed,
                $"{run.RunId}: {run.State}; {string.Join(" | ", run.Failures)}"
            );
            // Step 0 is the first point of the curve, and every evaluated step has per-problem results (k = 4).
            var metrics = await new MetricsLog(blobs).ReadAsync(experiment, run.RunId);
            Assert.Equal([0, 1, 2], metrics.Select(m => m.Step));
            Assert.True(metrics[0].Values.ContainsKey(MetricNames.Accuracy), $"{run.RunId}: no accuracy at step 0");
            foreach (int step in new[] { 0, 1, 2 })
            {
                var file = await store.TryReadFileAsync(
                    experiment,
                    run.RunId,
                    step,
                    MetricNames.InDomain,
                    CancellationToken.None
                );
                Assert.True(file is not null, $"{run.RunId}: no in-domain per-problem results at step {step}");
                Assert.Equal(6, file.ProblemIds.Length);
                Assert.Equal(4, file.SamplesPerProblem);
                Assert.Equal(metrics[step].Values[MetricNames.Accuracy], file.Passes.Average() / 4, 12);
                if (step == 0)
                    stepZero.Add(file);
            }
            // The best in-domain step is a step that was evaluated (0 included), and the out-of-domain set was scored
            // at it, from the base model when it is step 0.
            Assert.Contains(run.BestStep, new[] { 0, 1, 2 });
            Assert.True(
                await store.TryReadAsync(experiment, run.RunId, run.BestStep, "synth-hard", CancellationToken.None)
                    is not null,
                $"{run.RunId}: no out-of-domain per-problem results at its best step {run.BestStep}"
            );
        }
        // Common random numbers: the same base model sampled the same text in all four runs (two methods, two seeds).
        Assert.Single(stepZero.Select(f => f.ResponsesSha256).Distinct());

        var comparisons = await torch
            .Cluster.GrainFactory.GetGrain<ILeaderboardGrain>(experiment)
            .CompareAsync(null, "grpo");
        Assert.Equal(
            [(MetricNames.InDomain, "saei"), ("synth-hard", "saei")],
            comparisons.Select(c => (c.Benchmark, c.Method))
        );
        Assert.All(
            comparisons,
            c =>
            {
                Assert.True(c.PairedSeeds && c.PairedProblems, $"{c.Benchmark}: seeds and problems should pair");
                Assert.Equal("seeds and problems", c.Resampled);
                Assert.Equal(6, c.Problems);
                Assert.NotNull(c.Low);
                Assert.InRange(c.Difference!.Value, c.Low!.Value, c.High!.Value);
            }
        );
    }
}
