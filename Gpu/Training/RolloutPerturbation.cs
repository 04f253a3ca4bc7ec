using SaEI.Gpu.Models;
using SaEI.Gpu.Objectives;
using SaEI.Gpu.Perturbations;
using SaEI.Gpu.Rollout;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// The image the second half of each group is sampled on (docs/algorithm.md §3, §5), one switch over
/// <see cref="RlOptions.Perturbation"/>:
/// <code>
///   Adversarial:   I^adv = EgAS(I, H_sel),  H_sel(I) = TsEC objective of the clean responses O teacher-forced on I
///   AnnealedNoise: x_t with t = ⌊t₀·decay(step)⌋ (NoisyRollout)
///   FixedNoise:    x_t with t = random_noise_step (paper Fig. 4)
/// </code>
/// Decisions:
/// 1. H_sel uses the TokenEntropy of the clean responses at the rollout temperature, the selection
///    <see cref="RlMethodTraits.EffectiveSelection"/> (EgAS-only: all tokens), one objective per prompt over its n
///    clean responses (each image moves along its own prompt's gradient).
/// 2. The model's parameters stop requiring gradients during the attack (only ∂H/∂I is needed; this skips the
///    parameter-gradient work) and are switched back afterwards, even on an exception.
/// 3. Mixed image sizes: EgAS attacks the padded pixels of the whole batch; the objective wraps each iterate with
///    the clean batch's sizes (<see cref="ImageBatch.WithPixels"/>). The model never reads the padding, so its
///    gradient there is 0 and sign(0) = 0 keeps it at 0; noise is masked off it (<see cref="DiffusionNoise"/>).
/// 4. The attack's first forward (I⁰ = the clean image, the clean responses, π_old) is exactly the old log-prob pass of
///    the clean rows; its detached log-probs and entropies are returned (<see cref="PerturbedImages.CleanScores"/>) so
///    the trainer does not run that pass twice (the main saving in SaEI's step cost).
/// </summary>
public static class RolloutPerturbation
{
    /// <summary>
    /// cleanImages (B rows, pixels in [0,1]), the clean round's rollout ([B·n] rows) → perturbed images (B rows, same
    /// sizes); <paramref name="stepIndex"/> is the 0-based RL step index (the noise schedule counts from 1).
    /// </summary>
    public static PerturbedImages Perturb(
        IPolicyModel model,
        ImageBatch cleanImages,
        RolloutBatch cleanRollout,
        RlOptions options,
        int stepIndex,
        int totalSteps,
        Generator noiseGenerator
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Perturbation)
        {
            case Perturbation.Adversarial:
                TokenScores? cleanScores = null;
                var attack = Attack(
                    model,
                    cleanImages,
                    cleanRollout,
                    options,
                    scores =>
                    {
                        if (cleanScores is null)
                            cleanScores = scores; // I⁰: the first call
                        else
                            scores.Dispose();
                    }
                );
                double? after = options.EvaluateAttack ? attack.Objectives[^1].Average() : null;
                return new PerturbedImages(
                    cleanImages.WithPixels(attack.Pixels),
                    attack.LInfinity,
                    attack.Objectives[0].Average(),
                    after,
                    null
                )
                {
                    CleanScores = cleanScores,
                };
            case Perturbation.AnnealedNoise or Perturbation.FixedNoise:
                int noiseStep = DiffusionNoise.NoiseStepFor(options, stepIndex, totalSteps);
                var noisy = DiffusionNoise.Apply(cleanImages, noiseStep, noiseGenerator); // [B,3,Hmax,Wmax]
                return new PerturbedImages(noisy, LInfinity(noisy.Pixels, cleanImages.Pixels), null, null, noiseStep);
            default:
                throw new ArgumentException(
                    $"method {options.Method} samples no perturbed half; do not call Perturb for it.",
                    nameof(options)
                );
        }
    }

    /// <summary>EgAS on the clean images with the clean responses held fixed (objective evaluated before and
    /// after).</summary>
    public static AdversarialImages Attack(
        IPolicyModel model,
        ImageBatch cleanImages,
        RolloutBatch cleanRollout,
        RlOptions options,
        Action<TokenScores>? onScores = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cleanImages);
        ArgumentNullException.ThrowIfNull(cleanRollout);
        var parameters = model.NamedParameters();
        var requiredGrad = parameters.Select(p => p.Parameter.requires_grad).ToArray();
        try
        {
            foreach (var (_, parameter) in parameters)
                parameter.requires_grad_(false);
            var objective = Objective(model, cleanRollout, options, onScores);
            // The iterate is owned by the attack: the wrapper is not disposed (decision 3).
            return EntropyGuidedAttack.Attack(
                cleanImages.Pixels,
                pixels => objective(cleanImages.WithPixels(pixels)),
                options,
                options.EvaluateAttack
            );
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++)
                parameters[i].Parameter.requires_grad_(requiredGrad[i]);
        }
    }

    /// <summary>
    /// H_sel as a function of the images: B rows → [B]. <paramref name="onScores"/> receives each call's
    /// teacher-forced scores as detached copies outside any dispose scope: the receiver owns and disposes them.
    /// </summary>
    public static Func<ImageBatch, Tensor> Objective(
        IPolicyModel model,
        RolloutBatch cleanRollout,
        RlOptions options,
        Action<TokenScores>? onScores = null
    )
    {
        var selection = RlMethodTraits.EffectiveSelection(options.Method, options.Tokens);
        int n = cleanRollout.GroupSize;
        return images =>
        {
            using var scope = NewDisposeScope();
            var rowImages = images.RepeatInterleave(n); // [B·n,3,Hmax,Wmax]
            using var scores = TeacherForcing.Score(
                model,
                rowImages,
                cleanRollout.PromptIds,
                cleanRollout.PromptMask,
                cleanRollout.ResponseIds,
                cleanRollout.ResponseMask,
                options.Temperature,
                computeEntropy: true
            );
            onScores?.Invoke(
                new TokenScores(
                    scores.LogProbs.detach().clone().DetachFromDisposeScope(),
                    scores.Entropy!.detach().clone().DetachFromDisposeScope()
                )
            );
            return TokenSelector
                .Objective(scores.Entropy!, cleanRollout.ResponseMask, selection, n)
                .MoveToOuterDisposeScope(); // [B]
        };
    }

    private static double[] LInfinity(Tensor perturbed, Tensor clean)
    {
        using var scope = NewDisposeScope();
        return (perturbed - clean)
            .abs()
            .reshape(clean.shape[0], -1)
            .amax([1])
            .to_type(ScalarType.Float64)
            .cpu()
            .data<double>()
            .ToArray();
    }
}

/// <summary>
/// The perturbed images (B rows, the clean images' sizes; owned) and their diagnostics: ‖I' − I‖∞ per prompt; for EgAS
/// the mean TsEC objective before (I⁰) and after (I^K) the attack; for noise the diffusion step used.
/// </summary>
public sealed record PerturbedImages(
    ImageBatch Images,
    double[] LInfinity,
    double? ObjectiveBefore,
    double? ObjectiveAfter,
    int? NoiseStep
) : IDisposable
{
    /// <summary>EgAS only: logπ_old and entropy [B·n,Tr_clean] of the clean responses on the clean image
    /// (detached).</summary>
    public TokenScores? CleanScores { get; init; }

    public void Dispose()
    {
        Images.Dispose();
        CleanScores?.Dispose();
    }
}
