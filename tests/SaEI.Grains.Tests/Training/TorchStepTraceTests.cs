using System.Collections.Concurrent;
using System.Diagnostics;
using SaEI.Gpu.Training;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// The step trace of the torch executor on a real one-silo cluster (tiny model, Azurite): a SaEI step is a span with
/// the trainer's phases and the worker's evaluation, report and checkpoint as child spans.
/// </summary>
[Collection(nameof(TorchClusterCollection))]
public sealed class TorchStepTraceTests(TorchClusterFixture torch)
{
    [Fact]
    public async Task A_torch_step_span_has_every_phase_of_a_SaEI_step_as_a_child()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TrainingTelemetry.Name,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        string experiment = $"o-{Guid.NewGuid():N}"[..14];
        string yaml = $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/{{torch.Model}} }
            data:
              train: { format: synthetic, task: counting, split: train, size: 8, seed: 1 }
              test:  { name: synth-test, format: synthetic, task: counting, split: test, size: 4, seed: 2 }
            seeds: [7]
            steps: 1
            rollout: { prompts_per_step: 2, mini_batch_prompts: 2, group_size: 4, max_new_tokens: 5 }
            methods:
              saei: { kl_coefficient: 0.01 }
            eval: { every: 1, samples: 1, temperature: 0.6 }
            checkpoint: { every: 1 }
            """;
        var grain = torch.Cluster.GrainFactory.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(yaml, new Dictionary<string, string>());
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        string runId = Assert.Single(launched.RunIds);
        var run = torch.Cluster.GrainFactory.GetGrain<IRunGrain>(runId);
        RunStatus status = null!;
        await Eventually.HoldsAsync(
            async () => (status = await run.GetStatusAsync()).State.IsTerminal(),
            TimeSpan.FromMinutes(3),
            "the one run of the traced sweep ended"
        );
        Assert.True(
            status.State == RunState.Completed,
            $"{runId}: {status.State}; {string.Join(" | ", status.Failures)}"
        );

        var step = Assert.Single(
            spans,
            s => s.OperationName == TrainingTelemetry.StepActivityName && s.GetTagItem("saei.run_id") as string == runId
        );
        Assert.Equal(1, step.GetTagItem("saei.step"));
        string stepId = step.SpanId.ToHexString();
        var children = spans
            .Where(s => s.ParentSpanId.ToHexString() == stepId)
            .Select(s => s.OperationName)
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                "advantage",
                "attack",
                "checkpoint",
                "evaluation",
                "old_log_probs",
                "perturbed_rollout",
                "reference",
                "report",
                "reward",
                "rollout",
                "update",
            ],
            children
        );
    }
}
