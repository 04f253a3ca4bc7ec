using SaEI.Gpu.Models;
using static TorchSharp.torch;

namespace SaEI.Gpu.Rollout;

/// <summary>
/// B prompts ready for the model: images (one per prompt at its own size, padded pixels [B,3,Hmax,Wmax] in [0,1]
/// float32), inputIds [B,Tp] int64 left-padded with the pad id, attentionMask [B,Tp] int64 (0 on the padding).
/// Each prompt holds as many image placeholder tokens as the model needs for its own image. Owns its tensors.
/// </summary>
public sealed record PromptBatch(ImageBatch Images, Tensor InputIds, Tensor AttentionMask) : IDisposable
{
    public long Count => InputIds.shape[0];

    /// <summary>
    /// Builds the batch from images [3,h_i,w_i] (values in [0,1], already at <c>model.InputSize</c> of the original
    /// image: see <c>ModelInputs</c>) and problem texts, through the tokenizer's chat template (EasyR1 prompt,
    /// docs/algorithm.md §6) with <c>model.ImageTokenCount</c> placeholders for each image. Tensors go to the
    /// model's device.
    /// </summary>
    public static PromptBatch Create(IPolicyModel model, IReadOnlyList<Tensor> images, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(problems);
        if (images.Count != problems.Count || images.Count == 0)
            throw new ArgumentException(
                $"PromptBatch needs one image per problem and at least one of each; got {images.Count} images and "
                    + $"{problems.Count} problems."
            );
        var sizes = new ImageSize[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            var shape = images[i].shape;
            if (shape.Length != 3 || shape[0] != 3)
                throw new ArgumentException(
                    $"Image {i} has shape [{string.Join(",", shape)}]; every image must be [3,H,W].",
                    nameof(images)
                );
            sizes[i] = new ImageSize((int)shape[1], (int)shape[2]);
        }
        var tokenizer = model.Tokenizer;
        int[][] prompts =
        [
            .. problems.Select((problem, i) => tokenizer.BuildPrompt(problem, model.ImageTokenCount(sizes[i]))),
        ];
        int promptLength = prompts.Max(p => p.Length);
        var ids = new long[prompts.Length * promptLength];
        var mask = new long[prompts.Length * promptLength];
        for (int b = 0; b < prompts.Length; b++)
        {
            int padding = promptLength - prompts[b].Length; // left padding: the prompts end where generation starts
            for (int t = 0; t < promptLength; t++)
            {
                ids[b * promptLength + t] = t < padding ? tokenizer.PadId : prompts[b][t - padding];
                mask[b * promptLength + t] = t < padding ? 0 : 1;
            }
        }
        var device = model.Device;
        using var scope = NewDisposeScope();
        var batch = ImageBatch.Pack([.. images.Select(image => image.to(float32, device))], device); // [B,3,Hmax,Wmax]
        double min = batch.Pixels.min().item<float>(),
            max = batch.Pixels.max().item<float>();
        if (min < 0 || max > 1)
            throw new ArgumentException(
                $"Image pixels must lie in [0,1]; the batch spans [{min}, {max}]. Divide 8-bit images by 255.",
                nameof(images)
            );
        var inputIds = tensor(ids, [prompts.Length, promptLength], int64, device);
        var attentionMask = tensor(mask, [prompts.Length, promptLength], int64, device);
        batch.Pixels.MoveToOuterDisposeScope();
        return new PromptBatch(batch, inputIds.MoveToOuterDisposeScope(), attentionMask.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Images.Dispose();
        InputIds.Dispose();
        AttentionMask.Dispose();
    }
}
