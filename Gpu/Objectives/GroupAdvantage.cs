using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// GRPO group-normalised outcome advantage (docs/algorithm.md §1.3, Eq. 1; EasyR1
/// <c>compute_grpo_outcome_advantage</c>):
/// <code>
///   A_i = (r_i − mean_g(r)) / (std_g(r) + ε),   std unbiased (N−1),  ε = 1e-6
/// </code>
/// over the G responses of each prompt; every token of response i gets A_i.
/// Decisions:
/// 1. Groups are contiguous: rows b·G .. b·G+G−1 of the flat [B*G] score vector belong to prompt b (EasyR1 groups by
///    a uid column instead; our rollout lays groups out contiguously, so no index is needed).
/// 2. A group whose rewards are all equal gets exactly A = 0. The formula alone can give ±1e-3 there in float32,
///    because mean(r) may differ from r by one ulp while std is ~1e-9; we test max == min per group instead.
/// 3. G = 1 is an error (the unbiased std is undefined), as in EasyR1 ("GRPO needs rollout.n > 1").
/// 4. Computed in the scores' dtype, without gradient (advantages are constants of the loss).
/// </summary>
public static class GroupAdvantage
{
    /// <summary>EasyR1's ε added to the group standard deviation.</summary>
    public const double DefaultEpsilon = 1e-6;

    /// <summary>scores [B*G] (groups contiguous) → advantages [B*G].</summary>
    public static Tensor Compute(Tensor scores, int groupSize, double epsilon = DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (groupSize < 2)
            throw new ArgumentOutOfRangeException(
                nameof(groupSize),
                groupSize,
                "GRPO needs at least 2 responses per prompt (group_size ≥ 2)."
            );
        if (scores.dim() != 1 || scores.shape[0] % groupSize != 0)
            throw new ArgumentException(
                $"scores must be 1-D [B*G] with a length divisible by group_size {groupSize}; got shape "
                    + $"[{string.Join(",", scores.shape)}].",
                nameof(scores)
            );

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grouped = scores.detach().view(-1, groupSize); // [B,G]
        var mean = grouped.mean([1], keepdim: true); // [B,1]
        var std = grouped.std(1, unbiased: true, keepdim: true); // [B,1]
        using var epsilonScalar = epsilon.ToScalar();
        var advantages = (grouped - mean) / std.add(epsilonScalar, Scalars.One); // [B,G]
        var equal = grouped.amax([1], keepdim: true).eq(grouped.amin([1], keepdim: true)); // [B,1]
        advantages = torch.where(equal, zeros_like(advantages), advantages);
        return advantages.reshape(-1).MoveToOuterDisposeScope(); // [B*G]
    }

    /// <summary>advantages [N] → token-level advantages [N,T] (A_i on every response token, 0 elsewhere).</summary>
    public static Tensor ToTokens(Tensor advantages, Tensor responseMask)
    {
        ArgumentNullException.ThrowIfNull(advantages);
        ArgumentNullException.ThrowIfNull(responseMask);
        if (advantages.dim() != 1 || responseMask.dim() != 2 || advantages.shape[0] != responseMask.shape[0])
            throw new ArgumentException(
                $"advantages must be [N] and responseMask [N,T] with the same N; got "
                    + $"[{string.Join(",", advantages.shape)}] and [{string.Join(",", responseMask.shape)}]."
            );
        return advantages.unsqueeze(-1) * responseMask.to_type(advantages.dtype); // [N,T]
    }
}
