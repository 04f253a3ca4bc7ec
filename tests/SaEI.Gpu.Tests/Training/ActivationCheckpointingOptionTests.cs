using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>The activation_checkpointing option reaches the policy and changes memory, not results.</summary>
public sealed class ActivationCheckpointingOptionTests
{
    [Fact]
    public void A_saei_step_with_activation_checkpointing_gives_the_same_weights_and_metrics()
    {
        SaEI.Gpu.Runtime.TorchRuntime.Initialize(1);
        var problems = TrainerFixtures.Problems(4);
        (Dictionary<string, Tensor> Weights, IReadOnlyDictionary<string, double> Metrics) Step(bool checkpointing)
        {
            using var policy = TrainerFixtures.Model(seed: 1);
            using var reference = TrainerFixtures.Model(seed: 1);
            var options = TrainerFixtures.Options(RlMethod.Saei) with { ActivationCheckpointing = checkpointing };
            using var trainer = new RlTrainer(policy, reference, options, problems, totalSteps: 2, seed: 5);
            Assert.Equal(checkpointing, policy.ActivationCheckpointing);
            var metrics = trainer.Step();
            return (policy.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.detach().clone()), metrics);
        }

        var plain = Step(false);
        var recomputed = Step(true);
        foreach (var (name, weight) in plain.Weights)
            Assert.True(
                weight.equal(recomputed.Weights[name]).all().item<bool>(),
                $"{name} differs with activation checkpointing."
            );
        foreach (var (name, value) in plain.Metrics.Where(m => !m.Key.StartsWith("timing", StringComparison.Ordinal)))
            Assert.Equal(value, recomputed.Metrics[name]);
    }
}
