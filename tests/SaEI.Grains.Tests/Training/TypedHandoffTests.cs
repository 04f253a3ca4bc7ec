using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// Issue 15, the typed run handoff, on a real one-silo cluster with the torch executor and Azurite: the options of
/// the spec reach <see cref="RlTrainer"/> as the typed <see cref="RlOptions"/> the expansion resolved (compared with
/// the options the trainer wrote into its checkpoint), through run.json; and the evaluator reads run.json only, so it
/// works when the stored spec is unreadable.
/// </summary>
[Collection(nameof(TorchClusterCollection))]
public sealed class TypedHandoffTests(TorchClusterFixture torch)
{
    [Fact]
    public async Task Spec_options_reach_the_trainer_typed_and_the_evaluator_needs_only_run_json()
    {
        string experiment = $"h-{Guid.NewGuid():N}"[..14];
        // Non-default values of each kind (double, int, enum, bool), spelled as a spec author would.
        string yaml = $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/{{torch.Model}} }
            data:
              train: { format: synthetic, task: counting+sum, split: train, size: 8, seed: 1 }
              test:  { name: synth-test, format: synthetic, task: counting, split: test, size: 4, seed: 2 }
              ood:
                - { name: synth-hard, format: synthetic, task: all, split: test, size: 4, seed: 3, difficulty: 2 }
            seeds: [7]
            steps: 1
            rollout: { prompts_per_step: 2, mini_batch_prompts: 2, group_size: 2, max_new_tokens: 5 }
            methods:
              grpo: { learning_rate: 3.0e-4, clip_high: 0.28, kl_coefficient: 0, tokens: low-high,
                      evaluate_attack: false, ppo_epochs: 2 }
            eval: { every: 1, samples: 2, temperature: 0.6 }
            checkpoint: { every: 1 }
            """;
        var spec = SweepSpecParser.ParseOrThrow(yaml);
        var expected = Assert.Single(SweepExpansion.Expand(spec)).Options;
        Assert.Equal(3.0e-4, expected.LearningRate);
        Assert.Equal(TokenSelection.LowHigh, expected.Tokens);
        Assert.False(expected.EvaluateAttack);
        // The data sets are typed once, at parse time.
        Assert.Equal(DataFormat.Synthetic, spec.Data.Train.Format);
        Assert.Equal([SyntheticFamily.Counting, SyntheticFamily.Sum], spec.Data.Train.Families);
        Assert.Equal(SyntheticSplit.Test, spec.Data.Test.Split);
        Assert.Equal(Enum.GetValues<SyntheticFamily>(), spec.Data.Ood[0].Families);

        var grain = torch.Cluster.GrainFactory.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(yaml, new Dictionary<string, string>());
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        string runId = Assert.Single(launched.RunIds);
        var descriptor = Assert.Single(await grain.GetRunsAsync());
        Assert.Equal(BlobPaths.RunConfiguration(experiment, runId), descriptor.Configuration);
        Assert.Empty(descriptor.Options); // no RL option travels as text

        RunStatus status = null!;
        var run = torch.Cluster.GrainFactory.GetGrain<IRunGrain>(runId);
        await Eventually.HoldsAsync(
            async () => (status = await run.GetStatusAsync()).State.IsTerminal(),
            TimeSpan.FromMinutes(3),
            "the one run of the handoff sweep ended"
        );
        Assert.True(
            status.State == RunState.Completed,
            $"{runId}: {status.State}; {string.Join(" | ", status.Failures)}"
        );

        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer);
        var configuration = await RunConfigurations.ReadAsync(blobs, descriptor.Configuration!);
        Assert.Equal(expected, configuration.Options);
        Assert.Equal(spec.Data.Train, configuration.Train with { Families = spec.Data.Train.Families });
        Assert.Equal(spec.Data.Train.Families, configuration.Train.Families);
        // What the trainer ran with: the options it stored in its checkpoint (TrainingState), equal to the expansion's.
        var state = await blobs.ReadAsync(BlobPaths.CheckpointFile(experiment, runId, 1, TrainingCheckpoint.StateFile));
        var found = Assert.IsType<BlobReadResult.Found>(state);
        Assert.Equal(expected, TrainingState.FromJson(found.Content.ToArray(), TrainingCheckpoint.StateFile).Options);

        // The evaluator reads run.json only: with the stored spec unreadable it still scores a new (run, step,
        // benchmark) — the in-domain set at step 1, which no run grain asked for.
        await blobs.WriteAsync(
            BlobPaths.Spec(experiment),
            BinaryData.FromString("{ not: [ a spec"),
            WriteCondition.Overwrite
        );
        var evaluator = torch.Cluster.GrainFactory.GetGrain<IEvaluatorGrain>(EvaluationKey.Of(runId, 1, "synth-test"));
        var request = new EvaluationRequest(experiment, runId, 1, "synth-test", "grpo", 7);
        EvaluationResult? result = null;
        await Eventually.HoldsAsync(
            async () => (result = await evaluator.EvaluateAsync(request)) is not null,
            TimeSpan.FromMinutes(2),
            "the evaluation of step 1 on synth-test finished"
        );
        Assert.Equal(4 * 2, result!.Samples);
    }

    [Fact]
    public void An_unknown_option_is_refused_when_the_spec_is_validated_never_dropped_at_run_time()
    {
        var result = SweepSpecParser.Parse(
            """
            experiment: typo
            model: { family: tiny-vlm, base: models/m }
            data:
              train: { format: synthetic, task: counting, size: 8 }
              test: { format: synthetic, task: counting, size: 4 }
            seeds: [1]
            steps: 1
            rollout: { learning_rat: 1.0e-4 }
            methods: { grpo: {} }
            """
        );
        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Equal("rollout.learning_rat", error.Path);
        Assert.Equal("unknown key; did you mean learning_rate?", error.Message);
    }
}
