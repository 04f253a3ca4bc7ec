using SaEI.Gpu.Training;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

public sealed class RlTrainerStepTests
{
    [Fact]
    public void NoisyRollouts_first_step_uses_the_noise_of_global_step_one()
    {
        // Issue #11 item 11: T = 2, c = 30, m = 1, t₀ = 500 → global_step 1: ⌊500·(1 − sigmoid(0))⌋ = 250;
        // global_step 2: ⌊500·(1 − sigmoid(15))⌋ = 0 (DiffusionNoiseTests derives both).
        using var policy = Model();
        var options = Options(RlMethod.NoisyRollout) with
        {
            KlCoefficient = 0,
            NoiseStep = 500,
            NoiseAnnealSharpness = 30,
            NoiseAnnealMidpoint = 1,
        };
        using var trainer = new RlTrainer(policy, null, options, Problems(2), totalSteps: 2, seed: 2);
        Assert.Equal(250, trainer.Step()[RlStepMetrics.AttackNoiseStep]);
        Assert.Equal(0, trainer.Step()[RlStepMetrics.AttackNoiseStep]);
    }

    [Theory]
    [InlineData(RlMethod.Grpo)]
    [InlineData(RlMethod.Saei)]
    [InlineData(RlMethod.EgasOnly)]
    [InlineData(RlMethod.NoisyRollout)]
    [InlineData(RlMethod.KlCov)]
    [InlineData(RlMethod.ClipCov)]
    [InlineData(RlMethod.RandomNoise)]
    public void Every_method_runs_a_step_with_finite_metrics_and_moves_the_weights(RlMethod method)
    {
        using var policy = Model();
        using var reference = Model();
        using var initial = Model();
        using var trainer = new RlTrainer(policy, reference, Options(method), Problems(4), totalSteps: 10, seed: 2);
        var metrics = trainer.Step();

        string[] always =
        [
            "step",
            "reward/overall",
            "reward/accuracy",
            "reward/format",
            "actor/pg_loss",
            "actor/kl_loss",
            "actor/ppo_kl",
            "actor/pg_clipfrac_higher",
            "actor/pg_clipfrac_lower",
            "actor/grad_norm",
            "actor/lr",
            "response_length/mean",
            "response_length/max",
            "response_length/clip_ratio",
            "entropy/clean",
            "skipped_steps",
            "timing_s/gen",
            "timing_s/attack",
            "timing_s/old",
            "timing_s/ref",
            "timing_s/adv",
            "timing_s/update",
            "timing_s/step",
        ];
        foreach (string key in always)
            Assert.True(metrics.ContainsKey(key), $"metric {key} missing for {method}");
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.Value), $"{m.Key} = {m.Value}"));
        bool perturbs = RlMethodTraits.PerturbationOf(method) != Perturbation.None;
        Assert.Equal(perturbs, metrics.ContainsKey("entropy/perturbed"));
        Assert.Equal(perturbs, metrics.ContainsKey("attack/linf"));
        Assert.Equal(
            RlMethodTraits.PerturbationOf(method) == Perturbation.Adversarial,
            metrics.ContainsKey("attack/objective_after")
        );
        Assert.Equal(1, metrics["step"]);
        Assert.Equal(0, metrics["skipped_steps"]);
        Assert.True(metrics["actor/grad_norm"] > 0);
        Assert.True(metrics["entropy/clean"] > 0);
        Assert.Equal(8, trainer.LastSamples.Count);
        if (RlMethodTraits.PerturbationOf(method) == Perturbation.Adversarial)
            Assert.Equal(0.05, metrics["attack/linf"], 6); // K·η with K = 1, η = 0.05

        var after = policy.NamedParameters();
        var before = initial.NamedParameters();
        Assert.Contains(
            Enumerable.Range(0, after.Count),
            i => !after[i].Parameter.eq(before[i].Parameter).all().item<bool>()
        );
    }

    [Fact]
    public void Kl_without_a_reference_model_is_refused_with_what_to_set()
    {
        using var policy = Model();
        var error = Assert.Throws<ArgumentException>(() =>
            new RlTrainer(policy, null, Options(RlMethod.Grpo), Problems(2), 10, 1)
        );
        Assert.Contains("kl_coefficient", error.Message);
        Assert.Contains("reference", error.Message);
    }

    [Fact]
    public void Invalid_options_are_refused_naming_the_key()
    {
        using var policy = Model();
        var error = Assert.Throws<ArgumentException>(() =>
            new RlTrainer(
                policy,
                null,
                Options(RlMethod.Saei) with
                {
                    GroupSize = 5,
                    KlCoefficient = 0,
                },
                Problems(2),
                10,
                1
            )
        );
        Assert.Contains("group_size", error.Message);
    }

    [Fact]
    public void A_non_finite_gradient_norm_skips_the_optimiser_step_and_is_counted()
    {
        // NaN advantages make every token loss and gradient NaN (NaN old log-probs would not: clamp(δ) blocks their
        // gradient): each mini-batch must be skipped, leaving the weights and the AdamW state untouched.
        using var policy = Model();
        var options = Options(RlMethod.Grpo) with { KlCoefficient = 0 };
        using var trainer = new RlTrainer(policy, null, options, Problems(2), 10, 1) { TraceTensors = true };
        trainer.Step();
        var trace = trainer.LastTrace!;
        var parameters = policy.NamedParameters();
        var snapshot = parameters.Select(p => p.Parameter.clone()).ToArray();
        using var optimizer = new AdamWOptimizer(parameters, options.LearningRate);
        using var generator = new Generator(1, CPU);
        using var poisoned = full_like(trace.Advantages, float.NaN);
        var update = new PolicyUpdate(policy, optimizer, options, generator).Run(
            trace.Group,
            trace.OldLogProbs,
            null,
            poisoned,
            null
        );
        Assert.Equal(2, update.SkippedSteps); // both mini-batches
        Assert.Equal(0, optimizer.StepCount);
        Assert.Equal(0, update.GradNorm);
        for (int i = 0; i < parameters.Count; i++)
            Assert.True(parameters[i].Parameter.eq(snapshot[i]).all().item<bool>(), parameters[i].Name);
    }
}
