using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Objectives;

/// <summary>
/// TsEC, token-selective entropy computation (docs/algorithm.md §4, Eq. 7; SaEI paper):
/// <code>
///   per response i with L = |o_i| masked tokens, sort H_{i,t} ascending (stable: ties by position);
///   low = first ⌊L/3⌋,  high = last ⌊L/3⌋,  moderate = the rest (never empty when L ≥ 1)
///   H_sel = (1/n) Σ_i (1/|M_i|) Σ_{t∈M_i} H_{i,t}
/// </code>
/// The ranks come from detached entropies; the gradient flows through the selected H_{i,t} only.
/// Variants (paper Fig. 6): all (plain EgAS), low, moderate (default), high, low+high.
/// Decisions:
/// 1. A row whose selection is empty (L = 0, or low/high/low+high with L &lt; 3) contributes 0 to the sum but still
///    counts in n: the literal (1/n) Σ_i with an empty inner sum. Moderate and all are never empty when L ≥ 1.
/// 2. Rows are grouped contiguously when a per-prompt objective is wanted: rows p·n .. p·n+n−1 belong to prompt p.
///    EgAS sums the per-prompt objectives; prompts are independent, so each image gets its own prompt's gradient.
/// 3. Ranks are recomputed at each call, i.e. at every PGD step on the current image's entropies.
/// </summary>
public static class TokenSelector
{
    private static readonly Scalar Three = 3.ToScalar();

    /// <summary>entropy [N,T], responseMask [N,T] → selection mask [N,T] (bool), ranked on detached
    /// entropies.</summary>
    public static Tensor Select(Tensor entropy, Tensor responseMask, TokenSelection selection)
    {
        ArgumentNullException.ThrowIfNull(entropy);
        ArgumentNullException.ThrowIfNull(responseMask);
        if (entropy.dim() != 2 || !entropy.shape.SequenceEqual(responseMask.shape))
            throw new ArgumentException(
                $"entropy and responseMask must both be [N,T]; got [{PolicyLoss.Shape(entropy)}] and "
                    + $"[{PolicyLoss.Shape(responseMask)}]."
            );

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var valid = responseMask.ne(Scalars.ZeroInt); // [N,T] bool
        if (selection == TokenSelection.All)
            return valid.MoveToOuterDisposeScope();

        // Stable ascending sort of the valid entropies; invalid positions are sent behind every valid one by a
        // second stable sort on "is invalid", so their values never matter.
        long tokens = entropy.shape[1];
        using var tokenCount = tokens.ToScalar();
        var byEntropy = entropy.detach().sort(1, stable: true).Indices; // [N,T]
        var invalidInOrder = valid.gather(1, byEntropy).logical_not().to_type(ScalarType.Int32);
        var validFirst = invalidInOrder.sort(1, stable: true).Indices; // [N,T]
        var order = byEntropy.gather(1, validFirst); // [N,T] positions by rank
        var positions = arange(Scalars.ZeroInt, tokenCount, Scalars.One, ScalarType.Int64, entropy.device)
            .expand(entropy.shape[0], tokens);
        var rank = zeros_like(order).scatter_(1, order, positions); // [N,T] rank of each position

        var length = valid.sum(1, keepdim: true, type: ScalarType.Int64); // [N,1] L
        var third = length.div(Three, RoundingMode.floor); // [N,1] ⌊L/3⌋
        var low = rank.lt(third) & valid;
        var high = rank.ge(length - third) & valid;
        var result = selection switch
        {
            TokenSelection.Low => low,
            TokenSelection.High => high,
            TokenSelection.LowHigh => low | high,
            TokenSelection.Moderate => valid & low.logical_not() & high.logical_not(),
            _ => throw new ArgumentOutOfRangeException(nameof(selection), selection, "unknown token selection"),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// H_sel: entropy [N,T], selection [N,T] (0/1 or bool) → [B] with B = N / rowsPerPrompt, each the mean over its
    /// rows of the row's selected-token mean. Gradient flows through the selected entropies.
    /// </summary>
    public static Tensor SelectedEntropy(Tensor entropy, Tensor selection, int rowsPerPrompt)
    {
        ArgumentNullException.ThrowIfNull(entropy);
        ArgumentNullException.ThrowIfNull(selection);
        if (entropy.dim() != 2 || !entropy.shape.SequenceEqual(selection.shape))
            throw new ArgumentException(
                $"entropy and selection must both be [N,T]; got [{PolicyLoss.Shape(entropy)}] and "
                    + $"[{PolicyLoss.Shape(selection)}]."
            );
        if (rowsPerPrompt < 1 || entropy.shape[0] % rowsPerPrompt != 0)
            throw new ArgumentOutOfRangeException(
                nameof(rowsPerPrompt),
                rowsPerPrompt,
                $"rows per prompt must divide the {entropy.shape[0]} rows of entropy."
            );

        using var scope = NewDisposeScope();
        var weights = selection.detach().to_type(entropy.dtype); // [N,T]
        var rowMeans = (entropy * weights).sum(1) / weights.sum(1).clamp_min(Scalars.OneDouble); // [N]
        return rowMeans.view(-1, rowsPerPrompt).mean([1]).MoveToOuterDisposeScope(); // [B]
    }

    /// <summary>H_sel over all rows as one group: entropy [N,T], selection [N,T] → scalar.</summary>
    public static Tensor SelectedEntropy(Tensor entropy, Tensor selection)
    {
        ArgumentNullException.ThrowIfNull(entropy);
        using var scope = NewDisposeScope();
        return SelectedEntropy(entropy, selection, (int)entropy.shape[0]).squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The EgAS objective per prompt (Eq. 7): entropy [N,T] (differentiable), responseMask [N,T] → [B],
    /// B = N / rowsPerPrompt. Selection on the detached entropies, gradient through the selected ones.
    /// </summary>
    public static Tensor Objective(Tensor entropy, Tensor responseMask, TokenSelection selection, int rowsPerPrompt)
    {
        using var scope = NewDisposeScope();
        var selected = Select(entropy, responseMask, selection);
        return SelectedEntropy(entropy, selected, rowsPerPrompt).MoveToOuterDisposeScope();
    }
}
