using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// The per-token result of a policy-loss variant (clipped GRPO, KL-Cov, Clip-Cov). All tensors are [N,T]; masking
/// and aggregation are applied afterwards by <see cref="LossAggregator"/>.
/// </summary>
/// <param name="TokenLoss">Per-token policy loss, differentiable in logProbs.</param>
/// <param name="ClippedHigher">1 where the ratio clip was active (EasyR1 pg_clipfrac_higher: pg1 &lt; pg2), else 0.
/// Detached.</param>
/// <param name="ClippedLower">1 where the dual clip was active (EasyR1 pg_clipfrac_lower), else 0. Detached.</param>
/// <param name="ApproxKl">−(logπ_θ − logπ_old), whose masked mean is EasyR1's ppo_kl. Detached.</param>
/// <param name="CovarianceSelected">1 on tokens chosen by KL-Cov (penalised) or Clip-Cov (loss zeroed), else 0.
/// Detached.</param>
public sealed record TokenPolicyLoss(
    Tensor TokenLoss,
    Tensor ClippedHigher,
    Tensor ClippedLower,
    Tensor ApproxKl,
    Tensor CovarianceSelected
);
