namespace SaEI.Gpu.Training;

/// <summary>
/// Every option of one RL run (docs/algorithm.md). Defaults name their source: (paper), (EasyR1), or (CPU) where the
/// value is scaled for the tiny CPU model and the synthetic task. In spec files the key of a property is its
/// snake_case name (e.g. <c>step_size</c> for <see cref="StepSize"/>). Validate once with <see cref="Validate"/>.
/// </summary>
public sealed record RlOptions
{
    /// <summary>The method (GRPO, SaEI, ...). Default GRPO.</summary>
    public RlMethod Method { get; init; } = RlMethod.Grpo;

    /// <summary>Responses per prompt G, the whole (mixed) group. Perturbing methods sample G/2 clean + G/2 perturbed,
    /// so G must be even for them. Default 8 (CPU; the paper's n + n with n = 4 scaled down from EasyR1's 5).</summary>
    public int GroupSize { get; init; } = 8;

    /// <summary>The largest <see cref="GroupSize"/> accepted: 1024, far above any recipe (EasyR1: 5; DAPO:
    /// 16).</summary>
    public const int MaxGroupSize = 1024;

    /// <summary>Prompts per RL step (EasyR1: 512 for 7B; CPU default 8).</summary>
    public int PromptsPerStep { get; init; } = 8;

    /// <summary>Prompts per mini-batch (one optimiser step each; EasyR1: 128; CPU default 4).</summary>
    public int MiniBatchPrompts { get; init; } = 4;

    /// <summary>Responses per micro-batch forward/backward (gradient accumulation; memory only, not maths). Default
    /// 16.</summary>
    public int MicroBatchResponses { get; init; } = 16;

    /// <summary>Responses decoded together in the rollout (generation_batch_rows): 0 = every row of a generate call at
    /// once (default, the unchunked random stream); c &gt; 0 decodes c rows at a time, so the KV cache and prefill
    /// hold c rows. Reproducible for a given c; another c draws other (equally distributed) samples.</summary>
    public int GenerationBatchRows { get; init; }

    /// <summary>Passes over the rollout batch per step (EasyR1: 1).</summary>
    public int PpoEpochs { get; init; } = 1;

    /// <summary>Rollout sampling temperature (EasyR1: 1.0). Old/ref log-probs divide logits by it too.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Rollout nucleus top-p (EasyR1: 1.0).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Maximum response tokens (CPU default 48).</summary>
    public int MaxNewTokens { get; init; } = 48;

    /// <summary>AdamW learning rate (EasyR1: 1e-6 for 7B; CPU default 1e-4 for the tiny model).</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>AdamW weight decay (EasyR1: 0.01).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>AdamW β1 (EasyR1: 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β2 (EasyR1: 0.999).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Gradient-norm clip (EasyR1: 1.0); a non-finite norm skips the step.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Lower clip ε_low of the ratio (EasyR1: 0.2).</summary>
    public double ClipLow { get; init; } = 0.2;

    /// <summary>Upper clip ε_high of the ratio (EasyR1: 0.3).</summary>
    public double ClipHigh { get; init; } = 0.3;

    /// <summary>Dual-clip constant c for negative advantages (EasyR1: 3.0).</summary>
    public double DualClip { get; init; } = 3.0;

    /// <summary>KL-loss coefficient β (EasyR1: 0.01); 0 disables the reference pass.</summary>
    public double KlCoefficient { get; init; } = 0.01;

    /// <summary>KL estimator (EasyR1: low_var_kl, k3).</summary>
    public KlEstimator KlEstimator { get; init; } = KlEstimator.LowVarKl;

    /// <summary>Loss aggregation (EasyR1: token mean).</summary>
    public LossAggregation LossAggregation { get; init; } = LossAggregation.TokenMean;

    /// <summary>ε added to the unbiased group std in the advantage (EasyR1: 1e-6).</summary>
    public double AdvantageEpsilon { get; init; } = 1e-6;

    /// <summary>EgAS step size η in [0,1] pixel units (Decision: 2/255; paper writes −α).</summary>
    public double StepSize { get; init; } = 2.0 / 255.0;

    /// <summary>EgAS PGD iterations K (paper: 1; larger K destabilises). Perturbation is bounded by K·η in
    /// L∞.</summary>
    public int Iterations { get; init; } = 1;

    /// <summary>TsEC token selection for the adversarial objective (paper: moderate). EgAS-only forces all.</summary>
    public TokenSelection Tokens { get; init; } = TokenSelection.Moderate;

    /// <summary>Evaluate the TsEC objective again on the adversarial image (attack/objective_after). Costs one
    /// teacher-forced forward over the clean responses per step; false omits that metric. Default true.</summary>
    public bool EvaluateAttack { get; init; } = true;

    /// <summary>Recompute decoder layers and vision blocks in backward instead of storing their activations
    /// (activation_checkpointing): the same gradients for less memory, at the cost of a second forward (measured in the
    /// README, "Qwen2.5-VL"). Default false.</summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>Decision: reference log-probs of perturbed responses use the clean image, like the current policy.
    /// Set true to use the image each response was sampled on instead.</summary>
    public bool ReferenceOnSamplingImage { get; init; }

    /// <summary>NoisyRollout initial noise step t₀ (NoisyRollout: 500, of 1000 diffusion steps).</summary>
    public int NoiseStep { get; init; } = 500;

    /// <summary>NoisyRollout sigmoid annealing sharpness c (NoisyRollout: 30).</summary>
    public double NoiseAnnealSharpness { get; init; } = 30;

    /// <summary>NoisyRollout annealing midpoint m in steps (NoisyRollout: 40 of 60).</summary>
    public double NoiseAnnealMidpoint { get; init; } = 40;

    /// <summary>Random-noise ablation's fixed noise step t (paper Fig. 4: 200, 300 or 500; best 300).</summary>
    public int RandomNoiseStep { get; init; } = 300;

    /// <summary>KL-Cov: fraction of valid tokens penalised, k = max(1, ⌊N·ratio⌋) (Cui et al.: 0.002).</summary>
    public double KlCovRatio { get; init; } = 0.002;

    /// <summary>KL-Cov: coefficient of |logπ_θ − logπ_old| on the selected tokens (Cui et al.: 1.0).</summary>
    public double KlCovCoefficient { get; init; } = 1.0;

    /// <summary>Clip-Cov: fraction of valid tokens whose loss is zeroed (Cui et al.: 2e-4).</summary>
    public double ClipCovRatio { get; init; } = 2e-4;

    /// <summary>Clip-Cov: lower covariance bound (Cui et al.: 1).</summary>
    public double ClipCovLowerBound { get; init; } = 1.0;

    /// <summary>Clip-Cov: upper covariance bound (Cui et al.: 5).</summary>
    public double ClipCovUpperBound { get; init; } = 5.0;

    /// <summary>Clip-Cov: lower clip ε_low of its ratio clamp (Cui et al.'s Clip-Cov recipe: 1, i.e. clamp at
    /// 0).</summary>
    public double ClipCovClipLow { get; init; } = 1.0;

    /// <summary>Clip-Cov: upper clip ε_high of its ratio clamp (Cui et al.'s Clip-Cov recipe: 1, i.e. clamp at
    /// 2).</summary>
    public double ClipCovClipHigh { get; init; } = 1.0;

    /// <summary>Weight of accuracy in the overall reward (EasyR1: 0.9; format gets 1 − this).</summary>
    public double AccuracyWeight { get; init; } = 0.9;

    /// <summary>Compute dtype of the policy and the reference (issue 13): f32 (default; CPU, exact tests) or bf16
    /// (bfloat16 weights and activations, as EasyR1 runs the 7B). AdamW keeps float32 moments and a float32 master copy
    /// of bf16 parameters either way. tiny-vlm runs in f32 only.</summary>
    public ComputeDtype Dtype { get; init; } = ComputeDtype.F32;

    /// <summary>The method's perturbation (derived).</summary>
    public Perturbation Perturbation => RlMethodTraits.PerturbationOf(Method);

    /// <summary>Responses per prompt sampled on the clean image (derived).</summary>
    public int CleanResponses => Perturbation == Perturbation.None ? GroupSize : GroupSize / 2;

    /// <summary>Responses per prompt sampled on the perturbed image (derived).</summary>
    public int PerturbedResponses => GroupSize - CleanResponses;

    /// <summary>Every problem with these options, each naming its spec key, the allowed range and what to
    /// set.</summary>
    public IReadOnlyList<OptionError> Validate()
    {
        var errors = new List<OptionError>();
        void Require(bool ok, string property, string message)
        {
            if (!ok)
                errors.Add(new OptionError(OptionKeys.ToKey(property), message));
        }

        Require(
            GroupSize is >= 2 and <= MaxGroupSize,
            nameof(GroupSize),
            $"is {GroupSize}; set 2..{MaxGroupSize} responses per prompt (paper: 8)."
        );
        // Checked only in range, so the suggestion cannot overflow (2147483647 once suggested -2147483648): odd ≤ 1023
        // → +1 ≤ 1024.
        Require(
            Perturbation == Perturbation.None || GroupSize % 2 == 0 || GroupSize is < 2 or > MaxGroupSize,
            nameof(GroupSize),
            $"is {GroupSize}; {Method} samples half the group on the perturbed image, so it must be even (set "
                + $"{GroupSize + 1})."
        );
        Require(PromptsPerStep >= 1, nameof(PromptsPerStep), $"is {PromptsPerStep}; set at least 1.");
        Require(
            MiniBatchPrompts >= 1
                && MiniBatchPrompts <= PromptsPerStep
                && PromptsPerStep % Math.Max(1, MiniBatchPrompts) == 0,
            nameof(MiniBatchPrompts),
            $"is {MiniBatchPrompts}; it must divide prompts_per_step ({PromptsPerStep}) (e.g. set {PromptsPerStep})."
        );
        Require(MicroBatchResponses >= 1, nameof(MicroBatchResponses), $"is {MicroBatchResponses}; set at least 1.");
        Require(
            GenerationBatchRows >= 0,
            nameof(GenerationBatchRows),
            $"is {GenerationBatchRows}; set 0 (all rows at once) or a positive row count (e.g. 64)."
        );
        Require(PpoEpochs >= 1, nameof(PpoEpochs), $"is {PpoEpochs}; set 1 (EasyR1).");
        Require(
            Temperature > 0 && Temperature <= 5,
            nameof(Temperature),
            $"is {Temperature}; rollouts need 0 < temperature ≤ 5 (EasyR1: 1.0)."
        );
        Require(TopP > 0 && TopP <= 1, nameof(TopP), $"is {TopP}; set a value in (0, 1] (EasyR1: 1.0).");
        Require(MaxNewTokens >= 1 && MaxNewTokens <= 32768, nameof(MaxNewTokens), $"is {MaxNewTokens}; set 1..32768.");
        Require(
            LearningRate > 0 && LearningRate < 1,
            nameof(LearningRate),
            $"is {LearningRate}; set a value in (0, 1) (EasyR1: 1e-6 for 7B)."
        );
        Require(
            WeightDecay >= 0 && WeightDecay < 1,
            nameof(WeightDecay),
            $"is {WeightDecay}; set a value in [0, 1) (EasyR1: 0.01)."
        );
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), $"is {Beta1}; set a value in [0, 1) (0.9).");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), $"is {Beta2}; set a value in [0, 1) (0.999).");
        Require(MaxGradNorm > 0, nameof(MaxGradNorm), $"is {MaxGradNorm}; set a positive norm (EasyR1: 1.0).");
        Require(ClipLow is > 0 and < 1, nameof(ClipLow), $"is {ClipLow}; set a value in (0, 1) (EasyR1: 0.2).");
        Require(ClipHigh > 0, nameof(ClipHigh), $"is {ClipHigh}; set a positive value (EasyR1: 0.3).");
        Require(DualClip > 1, nameof(DualClip), $"is {DualClip}; the dual clip must exceed 1 (EasyR1: 3.0).");
        Require(
            KlCoefficient >= 0,
            nameof(KlCoefficient),
            $"is {KlCoefficient}; set 0 (no KL) or a positive value (EasyR1: 0.01)."
        );
        Require(
            AdvantageEpsilon > 0,
            nameof(AdvantageEpsilon),
            $"is {AdvantageEpsilon}; set a small positive value (1e-6)."
        );
        Require(
            StepSize > 0 && StepSize <= 1,
            nameof(StepSize),
            $"is {StepSize}; η is in [0,1] pixel units, set e.g. 0.0078 (2/255)."
        );
        Require(Iterations is >= 1 and <= 10, nameof(Iterations), $"is {Iterations}; set 1 (paper), at most 10.");
        Require(NoiseStep is >= 0 and < 1000, nameof(NoiseStep), $"is {NoiseStep}; set 0..999 (NoisyRollout: 500).");
        Require(
            RandomNoiseStep is >= 0 and < 1000,
            nameof(RandomNoiseStep),
            $"is {RandomNoiseStep}; set 0..999 (paper: 200, 300 or 500)."
        );
        Require(
            NoiseAnnealSharpness > 0,
            nameof(NoiseAnnealSharpness),
            $"is {NoiseAnnealSharpness}; set a positive value (30)."
        );
        Require(KlCovRatio is > 0 and <= 1, nameof(KlCovRatio), $"is {KlCovRatio}; set a fraction in (0, 1] (0.002).");
        Require(
            KlCovCoefficient >= 0,
            nameof(KlCovCoefficient),
            $"is {KlCovCoefficient}; set a non-negative value (1.0)."
        );
        Require(
            ClipCovRatio is > 0 and <= 1,
            nameof(ClipCovRatio),
            $"is {ClipCovRatio}; set a fraction in (0, 1] (2e-4)."
        );
        Require(
            ClipCovLowerBound < ClipCovUpperBound,
            nameof(ClipCovUpperBound),
            $"is {ClipCovUpperBound}; it must exceed clip_cov_lower_bound ({ClipCovLowerBound})."
        );
        Require(
            ClipCovClipLow is > 0 and <= 1,
            nameof(ClipCovClipLow),
            $"is {ClipCovClipLow}; set a value in (0, 1] (Cui et al.: 1)."
        );
        Require(
            ClipCovClipHigh > 0,
            nameof(ClipCovClipHigh),
            $"is {ClipCovClipHigh}; set a positive value (Cui et al.: 1)."
        );
        Require(Enum.IsDefined(Dtype), nameof(Dtype), $"is {(int)Dtype}; set f32 (default) or bf16.");
        Require(
            AccuracyWeight is >= 0 and <= 1,
            nameof(AccuracyWeight),
            $"is {AccuracyWeight}; set a weight in [0, 1] (EasyR1: 0.9)."
        );
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, when there is one.</summary>
    public RlOptions ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("invalid RL options: " + string.Join("; ", errors.Select(e => e.ToString())));
        return this;
    }
}

/// <summary>One validation problem: the spec key and what to do about it.</summary>
public sealed record OptionError(string Key, string Message)
{
    public override string ToString() => $"{Key} {Message}";
}

/// <summary>Spec keys are the snake_case names of option properties.</summary>
public static class OptionKeys
{
    public static string ToKey(string propertyName)
    {
        var key = new System.Text.StringBuilder(propertyName.Length + 8);
        for (int i = 0; i < propertyName.Length; i++)
        {
            char c = propertyName[i];
            if (char.IsUpper(c) && i > 0)
                key.Append('_');
            key.Append(char.ToLowerInvariant(c));
        }
        return key.ToString();
    }
}
