using SaEI.Gpu.Models;
using SaEI.Gpu.Rollout;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// One RL step's responses as one mixed group per prompt (docs/algorithm.md §3.4, Eq. 5): rows b·G .. b·G+G−1 belong to
/// prompt b, the first n sampled on the clean image, the last m = G − n on the perturbed one (m = 0 for GRPO,
/// KL-Cov, Clip-Cov). Shapes: B prompts, G = n + m, N = B·G rows, Tp prompt tokens, Tr response tokens.
/// Both rounds' responses are right-padded (pad id, mask 0) to the longer round's length. Images are per row at
/// their own sizes (padded pixels [N,3,Hmax,Wmax]); the perturbed images share the clean ones' padded shape and sizes.
/// Owns its tensors.
/// </summary>
public sealed class MixedGroup : IDisposable
{
    private MixedGroup(
        int prompts,
        int groupSize,
        int cleanResponses,
        ImageBatch cleanImages,
        ImageBatch samplingImages,
        Tensor promptIds,
        Tensor promptMask,
        Tensor responseIds,
        Tensor responseMask
    )
    {
        Prompts = prompts;
        GroupSize = groupSize;
        CleanResponses = cleanResponses;
        CleanImages = cleanImages;
        SamplingImages = samplingImages;
        PromptIds = promptIds;
        PromptMask = promptMask;
        ResponseIds = responseIds;
        ResponseMask = responseMask;
    }

    /// <summary>B.</summary>
    public int Prompts { get; }

    /// <summary>G = n + m.</summary>
    public int GroupSize { get; }

    /// <summary>n, the clean responses per prompt (the first n rows of each group).</summary>
    public int CleanResponses { get; }

    /// <summary>N = B·G.</summary>
    public int Rows => Prompts * GroupSize;

    /// <summary>N rows: each row's clean image (the current policy's input for every row).</summary>
    public ImageBatch CleanImages { get; }

    /// <summary>N rows: the image each row was sampled on (clean or perturbed).</summary>
    public ImageBatch SamplingImages { get; }

    /// <summary>[N,Tp] int64, left-padded.</summary>
    public Tensor PromptIds { get; }

    /// <summary>[N,Tp] int64.</summary>
    public Tensor PromptMask { get; }

    /// <summary>[N,Tr] int64, pad after the first EOS.</summary>
    public Tensor ResponseIds { get; }

    /// <summary>[N,Tr] int64, 1 up to and including the first EOS.</summary>
    public Tensor ResponseMask { get; }

    /// <summary>True when row <paramref name="row"/> was sampled on the perturbed image.</summary>
    public bool IsPerturbed(int row) => row % GroupSize >= CleanResponses;

    /// <summary>
    /// Interleaves the clean round ([B·n] rows) and the perturbed round ([B·m] rows, or null) into groups
    /// [clean n ‖ perturbed m] per prompt. <paramref name="cleanImages"/>: the B clean images.
    /// </summary>
    public static MixedGroup Combine(ImageBatch cleanImages, RolloutBatch clean, RolloutBatch? perturbed, int padId)
    {
        ArgumentNullException.ThrowIfNull(cleanImages);
        ArgumentNullException.ThrowIfNull(clean);
        int prompts = (int)cleanImages.Count;
        if (perturbed is not null && !perturbed.Images.Pixels.shape[1..].SequenceEqual(clean.Images.Pixels.shape[1..]))
            throw new ArgumentException(
                $"The perturbed round's images [{string.Join(",", perturbed.Images.Pixels.shape)}] must have the "
                    + $"clean round's padded image shape [{string.Join(",", clean.Images.Pixels.shape[1..])}] per row.",
                nameof(perturbed)
            );
        int n = clean.GroupSize,
            m = perturbed?.GroupSize ?? 0,
            groupSize = n + m;
        using var scope = NewDisposeScope();
        long length = Math.Max(clean.ResponseIds.shape[1], perturbed?.ResponseIds.shape[1] ?? 0);
        Tensor Mix(Tensor a, Tensor? b)
        {
            if (b is null)
                return a.clone();
            // [B,G,...]
            var grouped = cat([a.view([prompts, n, .. a.shape[1..]]), b.view([prompts, m, .. b.shape[1..]])], 1);
            return grouped.reshape([prompts * groupSize, .. a.shape[1..]]); // [N,...]
        }
        ImageBatch MixImages(ImageBatch a, ImageBatch? b)
        {
            var sizes = b is null
                ? a.Sizes
                :
                [
                    .. Enumerable
                        .Range(0, prompts)
                        .SelectMany(p => a.Sizes.Skip(p * n).Take(n).Concat(b.Sizes.Skip(p * m).Take(m))),
                ];
            return new ImageBatch(Mix(a.Pixels, b?.Pixels).MoveToOuterDisposeScope(), sizes);
        }
        Tensor PadTo(Tensor x, long value) =>
            x.shape[1] == length ? x : nn.functional.pad(x, [0, length - x.shape[1]], value: value); // [·,Tr]

        var group = new MixedGroup(
            prompts,
            groupSize,
            n,
            new ImageBatch(
                cleanImages.Pixels.repeat_interleave(groupSize, 0).MoveToOuterDisposeScope(), // [N,3,Hmax,Wmax]
                [.. cleanImages.Sizes.SelectMany(size => Enumerable.Repeat(size, groupSize))]
            ),
            MixImages(clean.Images, perturbed?.Images),
            Mix(clean.PromptIds, perturbed?.PromptIds).MoveToOuterDisposeScope(),
            Mix(clean.PromptMask, perturbed?.PromptMask).MoveToOuterDisposeScope(),
            Mix(PadTo(clean.ResponseIds, padId), perturbed is null ? null : PadTo(perturbed.ResponseIds, padId))
                .MoveToOuterDisposeScope(),
            Mix(PadTo(clean.ResponseMask, 0), perturbed is null ? null : PadTo(perturbed.ResponseMask, 0))
                .MoveToOuterDisposeScope()
        );
        return group;
    }

    /// <summary>
    /// Per-row values of the clean round [B·n,T'] and of the perturbed round [B·m,T''] (each in prompt order) → [N,Tr]
    /// in group order, zero-padded (or cut, beyond every response) to this group's Tr.
    /// </summary>
    public Tensor Interleave(Tensor cleanRows, Tensor perturbedRows)
    {
        using var scope = NewDisposeScope();
        long length = ResponseIds.shape[1];
        Tensor Fit(Tensor x) =>
            x.shape[1] >= length ? x.narrow(1, 0, length) : nn.functional.pad(x, [0, length - x.shape[1]]);
        int n = CleanResponses,
            m = GroupSize - CleanResponses;
        // [B,G,Tr]
        var grouped = cat([Fit(cleanRows).view(Prompts, n, length), Fit(perturbedRows).view(Prompts, m, length)], 1);
        return grouped.reshape(Rows, length).MoveToOuterDisposeScope(); // [N,Tr]
    }

    /// <summary>Takes the tensors out of the current dispose scope (the caller then owns them).</summary>
    internal MixedGroup DetachFromDisposeScope()
    {
        foreach (
            var tensor in (Tensor[])
                [CleanImages.Pixels, SamplingImages.Pixels, PromptIds, PromptMask, ResponseIds, ResponseMask]
        )
            tensor.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        CleanImages.Dispose();
        SamplingImages.Dispose();
        PromptIds.Dispose();
        PromptMask.Dispose();
        ResponseIds.Dispose();
        ResponseMask.Dispose();
    }
}
