using SaEI.Grains.Runs;
using SaEI.Grains.Tests.Orchestration;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Workers;

/// <summary>The spec's <c>checkpoint.keep_last</c> on a real cluster with Azurite: older checkpoints go after newer
/// ones are committed, the best in-domain one stays (the step the run grain scores the ood benchmarks on).</summary>
[Collection(OrchestrationCollection.Name)]
public sealed class CheckpointRetentionTests(OrchestrationCluster fixture)
{
    [Fact]
    public async Task Keep_last_leaves_the_newest_checkpoint_and_the_best_in_domain_one()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        string spec = SweepSpecs
            .Small(experiment, steps: 10, seeds: 2, methods: "grpo: {}", checkpointEvery: 2)
            .Replace("checkpoint: { every: 2 }", "checkpoint: { every: 2, keep_last: 1 }", StringComparison.Ordinal);
        Assert.Contains("keep_last: 1", spec, StringComparison.Ordinal);
        var status = await fixture.RunToEndAsync(experiment, spec);
        var checkpoints = OrchestrationCluster.Checkpoints();
        foreach (var run in status.Runs)
        {
            string explain = $"{run.RunId}: {run.State}, failures: {string.Join(" | ", run.Failures)}";
            Assert.True(run.State == RunState.Completed, explain);
            Assert.Equal([2, 4, 6, 8, 10], run.CommittedSteps.Order());
            int[] kept = [.. new[] { 10, run.BestStep }.Distinct().Order()];
            Assert.Equal(kept, await checkpoints.ListStepsAsync(experiment, run.RunId));
            using var latest = await checkpoints.TryLoadLatestIntactAsync(experiment, run.RunId);
            Assert.Equal(10, latest.Checkpoint!.Step);
            Assert.Empty(latest.Skipped); // deleted checkpoints leave no torn folders behind
        }
    }
}
