using SaEI.Gpu.Models;
using static TorchSharp.torch;

namespace SaEI.Gpu.Rollout;

/// <summary>
/// B prompts ready for the model: pixels [B,3,H,W] in [0,1] float32, inputIds [B,Tp] int64 left-padded with the
/// pad id, attentionMask [B,Tp] int64 (0 on the padding). Owns its tensors.
/// </summary>
public sealed record PromptBatch(Tensor Pixels, Tensor InputIds, Tensor AttentionMask) : IDisposable
{
    public long Count => InputIds.shape[0];

    /// <summary>
    /// Builds the batch from images [3,H,W] (values in [0,1], already resized to the model's image size) and problem
    /// texts, through the tokenizer's chat template (EasyR1 prompt, ALGORITHM.md section 6).
    /// </summary>
    public static PromptBatch Create(IChatTokenizer tokenizer, IReadOnlyList<Tensor> images, IReadOnlyList<string> problems, Device device)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (images.Count != problems.Count || images.Count == 0)
            throw new ArgumentException($"PromptBatch needs one image per problem and at least one of each; got {images.Count} images and {problems.Count} problems.");
        for (int i = 0; i < images.Count; i++)
        {
            var shape = images[i].shape;
            if (shape.Length != 3 || shape[0] != 3 || !shape.SequenceEqual(images[0].shape))
                throw new ArgumentException(
                    $"Image {i} has shape [{string.Join(",", shape)}]; every image must be [3,H,W] with the shape of image 0 ([{string.Join(",", images[0].shape)}]).");
        }
        int[][] prompts = [.. problems.Select(tokenizer.BuildPrompt)];
        int promptLength = prompts.Max(p => p.Length);
        var ids = new long[prompts.Length * promptLength];
        var mask = new long[prompts.Length * promptLength];
        for (int b = 0; b < prompts.Length; b++)
        {
            int padding = promptLength - prompts[b].Length;   // left padding: the prompts end where generation starts
            for (int t = 0; t < promptLength; t++)
            {
                ids[b * promptLength + t] = t < padding ? tokenizer.PadId : prompts[b][t - padding];
                mask[b * promptLength + t] = t < padding ? 0 : 1;
            }
        }
        using var scope = NewDisposeScope();
        var pixels = stack([.. images.Select(image => image.to(float32, device))]);        // [B,3,H,W]
        double min = pixels.min().item<float>(), max = pixels.max().item<float>();
        if (min < 0 || max > 1)
            throw new ArgumentException($"Image pixels must lie in [0,1]; the batch spans [{min}, {max}]. Divide 8-bit images by 255.");
        var inputIds = tensor(ids, [prompts.Length, promptLength], int64, device);
        var attentionMask = tensor(mask, [prompts.Length, promptLength], int64, device);
        return new PromptBatch(pixels.MoveToOuterDisposeScope(), inputIds.MoveToOuterDisposeScope(), attentionMask.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Pixels.Dispose();
        InputIds.Dispose();
        AttentionMask.Dispose();
    }
}
