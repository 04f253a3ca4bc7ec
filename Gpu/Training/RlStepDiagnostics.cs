using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Images;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// One response of the last step, for inspection (samples/step-N.jsonl, the demo): its row in the mixed group (prompt =
/// Row / G), the problem, the decoded response, whether it was sampled on the perturbed image, and its reward.
/// </summary>
public sealed record RlSample(
    int Row,
    string ProblemId,
    string Problem,
    string Answer,
    string Response,
    bool Perturbed,
    double Reward,
    double Accuracy,
    double Format
);

/// <summary>A prompt's clean image and the perturbed image its second half was sampled on.</summary>
public sealed record ImagePair(string ProblemId, RgbImage Clean, RgbImage Perturbed);

/// <summary>
/// The tensors of one step, kept only when <see cref="RlTrainer.TraceTensors"/> is on (tests and debugging): the
/// per-row images each pass saw, and what it computed. Shapes: N rows of the mixed group, Tr response tokens.
/// Lets tests check routing by effect (recompute log-probs on each candidate image and compare), not by a flag.
/// Owns its tensors (detached copies).
/// </summary>
public sealed class RlStepTrace : IDisposable
{
    internal RlStepTrace(
        MixedGroup group,
        ImageBatch oldPassImages,
        ImageBatch? refPassImages,
        Tensor oldLogProbs,
        Tensor? refLogProbs,
        Tensor advantages,
        Tensor currentLogProbs
    )
    {
        Group = group;
        OldPassImages = oldPassImages;
        RefPassImages = refPassImages;
        OldLogProbs = oldLogProbs;
        RefLogProbs = refLogProbs;
        Advantages = advantages;
        CurrentLogProbs = currentLogProbs;
    }

    /// <summary>The mixed group: prompts, responses, masks, clean and sampling images per row.</summary>
    public MixedGroup Group { get; }

    /// <summary>N rows: the image each row's old log-probs were computed on.</summary>
    public ImageBatch OldPassImages { get; }

    /// <summary>N rows: the image each row's reference log-probs were computed on (null without KL).</summary>
    public ImageBatch? RefPassImages { get; }

    /// <summary>[N,Tr] logπ_old.</summary>
    public Tensor OldLogProbs { get; }

    /// <summary>[N,Tr] logπ_ref (null without KL).</summary>
    public Tensor? RefLogProbs { get; }

    /// <summary>[N] advantages over the mixed group.</summary>
    public Tensor Advantages { get; }

    /// <summary>[N,Tr] logπ_θ as computed in the update (each row under the parameters of its mini-batch).</summary>
    public Tensor CurrentLogProbs { get; }

    public void Dispose()
    {
        Group.Dispose();
        OldPassImages.Dispose();
        RefPassImages?.Dispose();
        OldLogProbs.Dispose();
        RefLogProbs?.Dispose();
        Advantages.Dispose();
        CurrentLogProbs.Dispose();
    }
}
