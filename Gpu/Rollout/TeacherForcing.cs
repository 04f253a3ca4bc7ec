using SaEI.Gpu.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Rollout;

/// <summary>
/// Per-token log-probabilities and entropies of given responses under teacher forcing (docs/algorithm.md §1.4 and §2):
/// with z_t the logits predicting response token t divided by the temperature, logProb_t = log_softmax(z_t)[o_t], H_t =
/// logsumexp(z_t) − Σ_v softmax(z_t)_v · z_{t,v}. Both are differentiable with respect to the parameters and the pixels
/// (images.Pixels) (no no_grad here: callers wrap the call when they want none). Decisions:
/// 1. Values at positions where responseMask = 0 are set to 0 (multiplied by the mask).
/// 2. The sequence fed is prompt (left-padded) ‖ response (right-padded), attention mask promptMask ‖ responseMask;
///    the logits at position Tp−1+t predict response token t.
/// 3. chunkRows &gt; 0 runs the rows in chunks of that size (lower peak memory; same values).
/// </summary>
public static class TeacherForcing
{
    /// <summary>
    /// images (N rows), promptIds/promptMask [N,Tp], responseIds/responseMask [N,Tr] →
    /// logProbs [N,Tr] and, when <paramref name="computeEntropy"/>, entropy [N,Tr] (otherwise null).
    /// </summary>
    public static TokenScores Score(
        IPolicyModel model,
        ImageBatch images,
        Tensor promptIds,
        Tensor promptMask,
        Tensor responseIds,
        Tensor responseMask,
        double temperature,
        bool computeEntropy,
        int chunkRows = 0
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentException(
                $"temperature is {temperature}; set a finite value > 0 (the temperature the responses were sampled "
                    + $"at; RL rollouts need one > 0).",
                nameof(temperature)
            );
        long n = promptIds.shape[0];
        if (
            responseIds.shape[0] != n
            || images.Count != n
            || !promptMask.shape.SequenceEqual(promptIds.shape)
            || !responseMask.shape.SequenceEqual(responseIds.shape)
        )
            throw new ArgumentException(
                $"TeacherForcing expects images of N rows, promptIds/promptMask [N,Tp], responseIds/responseMask "
                    + $"[N,Tr] with one N; got {images.Count} images, "
                    + $"[{string.Join(",", promptIds.shape)}]/[{string.Join(",", promptMask.shape)}], "
                    + $"[{string.Join(",", responseIds.shape)}]/[{string.Join(",", responseMask.shape)}]."
            );
        if (chunkRows <= 0 || chunkRows >= n)
            return ScoreRows(
                model,
                images,
                promptIds,
                promptMask,
                responseIds,
                responseMask,
                temperature,
                computeEntropy
            );
        using var scope = NewDisposeScope();
        var logProbs = new List<Tensor>();
        var entropies = new List<Tensor>();
        for (long start = 0; start < n; start += chunkRows)
        {
            long length = Math.Min(chunkRows, n - start);
            var chunk = ScoreRows(
                model,
                images.Narrow(start, length),
                promptIds.narrow(0, start, length),
                promptMask.narrow(0, start, length),
                responseIds.narrow(0, start, length),
                responseMask.narrow(0, start, length),
                temperature,
                computeEntropy
            );
            logProbs.Add(chunk.LogProbs);
            if (chunk.Entropy is not null)
                entropies.Add(chunk.Entropy);
        }
        return new TokenScores(
            cat(logProbs, 0).MoveToOuterDisposeScope(),
            computeEntropy ? cat(entropies, 0).MoveToOuterDisposeScope() : null
        );
    }

    private static TokenScores ScoreRows(
        IPolicyModel model,
        ImageBatch images,
        Tensor promptIds,
        Tensor promptMask,
        Tensor responseIds,
        Tensor responseMask,
        double temperature,
        bool computeEntropy
    )
    {
        using var scope = NewDisposeScope();
        long promptLength = promptIds.shape[1],
            responseLength = responseIds.shape[1];
        var ids = cat([promptIds, responseIds], 1); // [N,Tp+Tr]
        var mask = cat([promptMask, responseMask], 1); // [N,Tp+Tr]
        var logits = model.Forward(images, ids, mask); // [N,Tp+Tr,V]
        var responseLogits = logits.narrow(1, promptLength - 1, responseLength); // [N,Tr,V]
        // A model placed over several devices returns logits on its output device: score there, bring [N,Tr] back.
        var scores = ScoreLogits(
            responseLogits,
            responseIds.to(logits.device),
            responseMask.to(logits.device),
            temperature,
            computeEntropy
        );
        var device = responseIds.device;
        return new TokenScores(
            scores.LogProbs.to(device).MoveToOuterDisposeScope(),
            scores.Entropy?.to(device).MoveToOuterDisposeScope()
        );
    }

    /// <summary>
    /// The maths alone: logits [N,Tr,V] (position t predicts responseIds[:,t]), responseIds/responseMask [N,Tr]
    /// → logProbs [N,Tr] and entropy [N,Tr] of softmax(logits/temperature), zero where the mask is 0.
    /// </summary>
    public static TokenScores ScoreLogits(
        Tensor logits,
        Tensor responseIds,
        Tensor responseMask,
        double temperature,
        bool computeEntropy
    )
    {
        using var scope = NewDisposeScope();
        using var temperatureScalar = temperature.ToScalar();
        var z = logits.div(temperatureScalar); // [N,Tr,V]
        var validTokens = responseMask.to_type(z.dtype); // [N,Tr]
        var logProbs = nn.functional.log_softmax(z, -1).gather(-1, responseIds.unsqueeze(-1)).squeeze(-1) * validTokens;
        Tensor? entropy = null;
        if (computeEntropy)
        {
            var expected = (nn.functional.softmax(z, -1) * z).sum(-1); // [N,Tr] Σ p·z
            entropy = ((z.logsumexp(-1) - expected) * validTokens).MoveToOuterDisposeScope(); // [N,Tr]
        }
        return new TokenScores(logProbs.MoveToOuterDisposeScope(), entropy);
    }
}

/// <summary>logProbs [N,Tr] and entropy [N,Tr] (null when not asked for). Owns its tensors.</summary>
public sealed record TokenScores(Tensor LogProbs, Tensor? Entropy) : IDisposable
{
    public void Dispose()
    {
        LogProbs.Dispose();
        Entropy?.Dispose();
    }
}
