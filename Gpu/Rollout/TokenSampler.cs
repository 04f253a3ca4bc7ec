using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Rollout;

/// <summary>
/// One next token per row from logits z [N,V]: greedy argmax at T = 0, otherwise a draw from softmax(z/T)
/// restricted to the smallest set of most likely tokens whose mass reaches top_p (the nucleus; the token that
/// crosses top_p is kept), using the caller's generator only.
/// </summary>
public static class TokenSampler
{
    /// <summary>logits [N,V] → (tokens [N] int64, logProbs [N] float32 under softmax(z/T); raw z at T = 0).</summary>
    public static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, double temperature, double topP, Generator generator)
    {
        using var scope = NewDisposeScope();
        Tensor tokens, logProbs;
        if (temperature == 0)
        {
            tokens = logits.argmax(-1);                                                        // [N]
            logProbs = nn.functional.log_softmax(logits, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        }
        else
        {
            using var temperatureScalar = temperature.ToScalar();
            var scaled = nn.functional.log_softmax(logits.div(temperatureScalar), -1);         // [N,V]
            var probs = scaled.exp();
            if (topP < 1) probs = Nucleus(probs, topP);
            tokens = multinomial(probs, 1, false, generator).squeeze(-1);                      // [N]
            logProbs = scaled.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        }
        return (tokens.MoveToOuterDisposeScope(), logProbs.to_type(float32).MoveToOuterDisposeScope());
    }

    /// <summary>probs [N,V] → probs with the tail beyond mass top_p zeroed (multinomial renormalises).</summary>
    private static Tensor Nucleus(Tensor probs, double topP)
    {
        var (sorted, indices) = probs.sort(-1, descending: true);                              // [N,V]
        var massBefore = sorted.cumsum(-1) - sorted;                                           // mass of strictly more likely tokens
        using var topPScalar = topP.ToScalar();
        var kept = sorted.masked_fill(massBefore.ge(topPScalar), Scalars.ZeroInt);
        return zeros_like(probs).scatter(-1, indices, kept);
    }
}
