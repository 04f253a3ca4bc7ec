using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tasks.Synthetic;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training.Sft;

/// <summary>
/// Supervised examples, tokenised and converted once: images (M rows, each at the model's input size for it, padded
/// [M,3,Hmax,Wmax] in [0,1]), the chat-template prompt ids of each problem (with its image's placeholder count) and
/// the target ids followed by end-of-sequence. Owns its images.
/// </summary>
public sealed class SftDataset : IDisposable
{
    private readonly ImageBatch images;
    private readonly int[][] promptIds;
    private readonly int[][] responseIds;
    private readonly int padId;

    private SftDataset(
        ImageBatch images,
        int[][] promptIds,
        int[][] responseIds,
        int padId,
        IReadOnlyList<string> targets
    )
    {
        this.images = images;
        this.promptIds = promptIds;
        this.responseIds = responseIds;
        this.padId = padId;
        Targets = targets;
    }

    /// <summary>M, the number of examples.</summary>
    public int Count => promptIds.Length;

    /// <summary>The target texts, in example order.</summary>
    public IReadOnlyList<string> Targets { get; }

    /// <summary>Examples from problems and their targets (<see cref="ReasoningTarget.Format"/>) for <paramref
    /// name="model"/>.</summary>
    public static SftDataset Create(IPolicyModel model, IReadOnlyList<(VisualProblem Problem, string Target)> examples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0)
            throw new ArgumentException("An SFT dataset needs at least one example.", nameof(examples));
        var tokenizer = model.Tokenizer;
        // [M,3,Hmax,Wmax]
        var images = ModelInputs.ToImageBatch(model, [.. examples.Select(example => example.Problem.Image)]);
        images.Pixels.DetachFromDisposeScope();
        var prompts = examples
            .Select(
                (example, i) => tokenizer.BuildPrompt(example.Problem.Problem, model.ImageTokenCount(images.Sizes[i]))
            )
            .ToArray();
        var responses = examples
            .Select(example => (int[])[.. tokenizer.Encode(example.Target), tokenizer.EndOfSequenceId])
            .ToArray();
        return new SftDataset(
            images,
            prompts,
            responses,
            tokenizer.PadId,
            [.. examples.Select(example => example.Target)]
        );
    }

    /// <summary>The first <paramref name="count"/> problems of the synthetic task's split with their reasoning
    /// targets.</summary>
    public static SftDataset Synthetic(IPolicyModel model, SyntheticTaskOptions task, int count)
    {
        var drafts = new SyntheticTask(task).GenerateDrafts(count);
        return Create(model, [.. drafts.Select(item => (item.Problem, ReasoningTarget.ForSynthetic(item.Draft)))]);
    }

    /// <summary>
    /// The examples at <paramref name="indices"/> as one batch: images (N rows), promptIds/promptMask [N,Tp]
    /// (left-padded), responseIds/responseMask [N,Tr] (right-padded). Tensors belong to the caller's scope.
    /// </summary>
    public SftBatch Batch(IReadOnlyList<long> indices)
    {
        int n = indices.Count;
        int promptLength = indices.Max(i => promptIds[i].Length),
            responseLength = indices.Max(i => responseIds[i].Length);
        var prompt = new long[n * promptLength];
        var promptMask = new long[n * promptLength];
        var response = new long[n * responseLength];
        var responseMask = new long[n * responseLength];
        for (int row = 0; row < n; row++)
        {
            int[] p = promptIds[indices[row]],
                r = responseIds[indices[row]];
            int padding = promptLength - p.Length;
            for (int t = 0; t < promptLength; t++)
            {
                prompt[(row * promptLength) + t] = t < padding ? padId : p[t - padding];
                promptMask[(row * promptLength) + t] = t < padding ? 0 : 1;
            }
            for (int t = 0; t < responseLength; t++)
            {
                response[(row * responseLength) + t] = t < r.Length ? r[t] : padId;
                responseMask[(row * responseLength) + t] = t < r.Length ? 1 : 0;
            }
        }
        var device = images.Pixels.device;
        using var index = tensor(indices.ToArray(), int64, device);
        return new SftBatch(
            images.IndexSelect(index), // [N,3,Hmax,Wmax]
            tensor(prompt, [n, promptLength], int64, device),
            tensor(promptMask, [n, promptLength], int64, device),
            tensor(response, [n, responseLength], int64, device),
            tensor(responseMask, [n, responseLength], int64, device)
        );
    }

    public void Dispose() => images.Dispose();
}

/// <summary>One SFT batch (see <see cref="SftDataset.Batch"/>).</summary>
public sealed record SftBatch(
    ImageBatch Images,
    Tensor PromptIds,
    Tensor PromptMask,
    Tensor ResponseIds,
    Tensor ResponseMask
);
