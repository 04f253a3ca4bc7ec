using SaEI.Gpu.Models;
using static TorchSharp.torch;

namespace SaEI.Gpu.Rollout;

/// <summary>
/// G responses for each of B prompts; row n = b·G + g. Images: row n's image (padded [N,3,Hmax,Wmax] plus sizes),
/// PromptIds/PromptMask [N,Tp] (the prompt repeated per row, left-padded), ResponseIds [N,Tr] int64 (pad after the
/// first EOS), ResponseMask [N,Tr] int64 (1 up to and including the first EOS), LogProbs [N,Tr] float32: the sampled
/// token's log-probability under the sampling distribution softmax(z/T) before top-p truncation (raw logits at T = 0),
/// 0 where the mask is 0. Tr = the number of decoding steps taken (≤ MaxNewTokens; fewer when every row stopped early).
/// Owns its tensors.
/// </summary>
public sealed record RolloutBatch(
    int GroupSize,
    ImageBatch Images,
    Tensor PromptIds,
    Tensor PromptMask,
    Tensor ResponseIds,
    Tensor ResponseMask,
    Tensor LogProbs
) : IDisposable
{
    public long Count => ResponseIds.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        PromptIds.Dispose();
        PromptMask.Dispose();
        ResponseIds.Dispose();
        ResponseMask.Dispose();
        LogProbs.Dispose();
    }
}
