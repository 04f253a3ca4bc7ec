using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// True token entropy of the policy over the full vocabulary (docs/algorithm.md §2; verl <c>entropy_from_logits</c>):
/// <code>
///   z_t = logits_t / temperature
///   H_t = logsumexp(z_t) − Σ_v softmax(z_t)_v · z_{t,v}
///   policy entropy (Eq. 3):  H = (1/G) Σ_i (1/|o_i|) Σ_{t ∈ o_i} H_{i,t}
/// </code>
/// Differentiable in the logits (and hence in the image pixels when the logits come from a differentiable forward).
/// Decisions:
/// 1. The entropy is returned for every position; the response mask selects positions afterwards
///    (<see cref="TokenSelector"/>, <see cref="PolicyEntropy"/>). Aligning logits with response tokens (logits at
///    position t predict token t+1) is the caller's job: pass the [N,T] slice that predicts the response tokens.
/// 2. Computed in the logits' dtype; float32 logits over 152k words lose no meaningful precision in H.
/// </summary>
public static class TokenEntropy
{
    /// <summary>logits [N,T,V] → entropy [N,T] of softmax(logits / temperature).</summary>
    public static Tensor FromLogits(Tensor logits, double temperature = 1.0)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.dim() < 1)
            throw new ArgumentException("logits must have a vocabulary dimension last, e.g. [N,T,V].", nameof(logits));
        if (!(temperature > 0))
            throw new ArgumentOutOfRangeException(
                nameof(temperature),
                temperature,
                "temperature must be positive (EasyR1 rollout: 1.0)."
            );

        using var scope = NewDisposeScope();
        using var temperatureScalar = temperature.ToScalar();
        var scaled = temperature == 1.0 ? logits : logits.div(temperatureScalar); // [N,T,V]
        var logPartition = scaled.logsumexp(-1); // [N,T]
        var probabilities = scaled.softmax(-1); // [N,T,V]
        var entropy = logPartition - (probabilities * scaled).sum(-1); // [N,T]
        return entropy.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Policy entropy (Eq. 3): entropy [N,T], responseMask [N,T] → scalar mean over rows of each row's masked token
    /// mean (the <see cref="Training.TokenSelection.All"/> objective; the metric logged for clean and perturbed
    /// responses).
    /// </summary>
    public static Tensor PolicyEntropy(Tensor entropy, Tensor responseMask) =>
        TokenSelector.SelectedEntropy(entropy, responseMask);
}
