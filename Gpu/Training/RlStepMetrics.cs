namespace SaEI.Gpu.Training;

/// <summary>
/// The metric names of one RL step: EasyR1's (docs/algorithm.md §1.7) plus what this method needs — the true
/// entropy of clean and perturbed responses (§2), the TsEC objective before and after EgAS, the perturbation's
/// size, and the skipped optimiser steps. Values are plain doubles in a fixed order (the orchestrator writes them
/// as one JSON line). Decisions:
/// 1. Keys that do not apply to a method are left out rather than written as NaN (JSON has no NaN): entropy/perturbed
///    and attack/linf only with a perturbed half, attack/objective_* only for EgAS, attack/noise_step only for noise.
/// 2. timing_s/attack is 0 for methods without a perturbation (the key is always present, so step-time plots align).
/// </summary>
public static class RlStepMetrics
{
    public const string RewardOverall = "reward/overall";
    public const string RewardAccuracy = "reward/accuracy";
    public const string RewardFormat = "reward/format";
    public const string PgLoss = "actor/pg_loss";
    public const string KlLoss = "actor/kl_loss";
    public const string PpoKl = "actor/ppo_kl";
    public const string PgClipfracHigher = "actor/pg_clipfrac_higher";
    public const string PgClipfracLower = "actor/pg_clipfrac_lower";
    public const string CovarianceTokenFraction = "actor/cov_token_fraction";
    public const string GradNorm = "actor/grad_norm";
    public const string LearningRate = "actor/lr";
    public const string ResponseLengthMean = "response_length/mean";
    public const string ResponseLengthMax = "response_length/max";
    public const string ResponseLengthClipRatio = "response_length/clip_ratio";
    public const string EntropyClean = "entropy/clean";
    public const string EntropyPerturbed = "entropy/perturbed";
    public const string AttackObjectiveBefore = "attack/objective_before";
    public const string AttackObjectiveAfter = "attack/objective_after";
    public const string AttackLInfinity = "attack/linf";
    public const string AttackNoiseStep = "attack/noise_step";
    public const string SkippedSteps = "skipped_steps";
    public const string TimingGeneration = "timing_s/gen";
    public const string TimingAttack = "timing_s/attack";
    public const string TimingOld = "timing_s/old";
    public const string TimingRef = "timing_s/ref";
    public const string TimingAdvantage = "timing_s/adv";
    public const string TimingUpdate = "timing_s/update";
    public const string TimingStep = "timing_s/step";
    public const string Step = "step";
}

/// <summary>Seconds spent in each phase of one step (timing_s/...).</summary>
public sealed class StepTimings
{
    public double Generation { get; set; }
    public double Attack { get; set; }
    public double Old { get; set; }
    public double Reference { get; set; }
    public double Advantage { get; set; }
    public double Update { get; set; }
    public double Step { get; set; }
}
