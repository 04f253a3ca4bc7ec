namespace SaEI.Gpu.Training;

/// <summary>
/// The closed set of RL methods (docs/algorithm.md §1, §3, §5). Everything that differs between them is decided by
/// <see cref="RlMethodTraits"/> in one switch, never by comparing strings.
/// </summary>
public enum RlMethod
{
    /// <summary>Vanilla GRPO: G responses on the clean image.</summary>
    Grpo,

    /// <summary>SaEI: G/2 on the clean image, G/2 on the EgAS adversarial image with TsEC token selection.</summary>
    Saei,

    /// <summary>Ablation: EgAS with entropy over all tokens (no TsEC).</summary>
    EgasOnly,

    /// <summary>NoisyRollout: G/2 on a diffusion-noised image with an annealed noise step; all log-probs on
    /// clean.</summary>
    NoisyRollout,

    /// <summary>KL-Cov (Cui et al. 2025): GRPO sampling, covariance-selected KL penalty instead of clipping.</summary>
    KlCov,

    /// <summary>Clip-Cov (same paper): GRPO with the loss of random high-covariance tokens zeroed.</summary>
    ClipCov,

    /// <summary>Ablation (paper Fig. 4): SaEI's pipeline with the adversarial step replaced by fixed-step
    /// noise.</summary>
    RandomNoise,
}

/// <summary>Which tokens enter the adversarial entropy objective (TsEC, docs/algorithm.md §4).</summary>
public enum TokenSelection
{
    All,
    Low,
    Moderate,
    High,
    LowHigh,
}

/// <summary>KL estimators between the current and the reference policy (EasyR1 names).</summary>
public enum KlEstimator
{
    /// <summary>k3, "low_var_kl": exp(x) − x − 1 with x = logπ_ref − logπ_θ, both clamped.</summary>
    LowVarKl,

    /// <summary>k1, "kl": logπ_θ − logπ_ref.</summary>
    Kl,

    /// <summary>"abs": |logπ_θ − logπ_ref|.</summary>
    Abs,

    /// <summary>"mse": ½ (logπ_θ − logπ_ref)².</summary>
    Mse,
}

/// <summary>How per-token losses become one scalar.</summary>
public enum LossAggregation
{
    /// <summary>Σ loss·mask / Σ mask over the whole mini-batch (EasyR1 default).</summary>
    TokenMean,

    /// <summary>Mean over sequences of each sequence's token mean.</summary>
    SequenceMeanTokenMean,
}

/// <summary>Which image the second half of a group is sampled on, and which image each log-prob pass sees.</summary>
public enum Perturbation
{
    None,
    Adversarial,
    AnnealedNoise,
    FixedNoise,
}

/// <summary>The per-token policy loss a method optimises (docs/algorithm.md §1.5 and §5).</summary>
public enum PolicyLossKind
{
    /// <summary>GRPO's clipped surrogate with dual clip (EasyR1).</summary>
    Clipped,

    /// <summary>KL-Cov: unclipped surrogate plus |δ| on the top-covariance tokens (Cui et al. 2025).</summary>
    KlCov,

    /// <summary>Clip-Cov: loss of random high-covariance tokens zeroed (Cui et al. 2025).</summary>
    ClipCov,
}

/// <summary>Where a method's decisions live: the one switch over <see cref="RlMethod"/>.</summary>
public static class RlMethodTraits
{
    /// <summary>The perturbation that produces the second half of each group.</summary>
    public static Perturbation PerturbationOf(RlMethod method) =>
        method switch
        {
            RlMethod.Grpo or RlMethod.KlCov or RlMethod.ClipCov => Perturbation.None,
            RlMethod.Saei or RlMethod.EgasOnly => Perturbation.Adversarial,
            RlMethod.NoisyRollout => Perturbation.AnnealedNoise,
            RlMethod.RandomNoise => Perturbation.FixedNoise,
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };

    /// <summary>
    /// True when old log-probs of perturbed responses are computed on the perturbed image (the policy that sampled
    /// them, Eq. 6): SaEI, EgAS-only and the random-noise ablation. NoisyRollout uses the clean image for all.
    /// </summary>
    public static bool OldLogProbsOnSamplingImage(RlMethod method) =>
        method switch
        {
            RlMethod.Saei or RlMethod.EgasOnly or RlMethod.RandomNoise => true,
            RlMethod.Grpo or RlMethod.KlCov or RlMethod.ClipCov or RlMethod.NoisyRollout => false,
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };

    /// <summary>The TsEC selection a method uses: EgAS-only always uses all tokens.</summary>
    public static TokenSelection EffectiveSelection(RlMethod method, TokenSelection configured) =>
        method == RlMethod.EgasOnly ? TokenSelection.All : configured;

    /// <summary>The per-token policy loss of a method: only KL-Cov and Clip-Cov change it.</summary>
    public static PolicyLossKind PolicyLossOf(RlMethod method) =>
        method switch
        {
            RlMethod.KlCov => PolicyLossKind.KlCov,
            RlMethod.ClipCov => PolicyLossKind.ClipCov,
            RlMethod.Grpo or RlMethod.Saei or RlMethod.EgasOnly or RlMethod.NoisyRollout or RlMethod.RandomNoise =>
                PolicyLossKind.Clipped,
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };
}
