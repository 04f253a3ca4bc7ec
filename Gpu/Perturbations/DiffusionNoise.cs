using SaEI.Gpu.Models;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Perturbations;

/// <summary>
/// NoisyRollout's image noise (docs/algorithm.md §5.2; NoisyRollout, NeurIPS'25, <c>verl/utils/image_aug.py</c>): the
/// forward diffusion process at step t, with a sigmoid-annealed step, and the random-noise ablation at a fixed step.
/// <code>
///   β_i = sigmoid(linspace(−6, 6, 1000))_i · (5e-3 − 1e-5) + 1e-5,   i = 0..999
///   ᾱ_t = Π_{i=0..t} (1 − β_i)
///   x_t = clamp(√ᾱ_t · x₀ + √(1 − ᾱ_t) · ε, 0, 1),   ε ~ N(0, I)
///   annealed step (NoisyRollout): t = ⌊t₀ · decay(step)⌋,  decay = 1 − sigmoid(c·(step/T − m/T)),  step = 1..T
///   random-noise ablation (paper Fig. 4): t fixed (200, 300 or 500), no annealing
/// </code>
/// Decisions:
/// 1. The annealing formula is implemented exactly as written, which is NoisyRollout's code. At T = 60, t₀ = 500,
///    c = 30, m = 40 it gives t = 499 for steps 1..27, 496 at 30, 250 at 40, 3 at 50 and 0 from 53 on; this is the
///    spec's "t≈499 until ~30, 250 at 40, 0 by 50" up to rounding (t = 3 adds noise of std √(1−ᾱ_3) ≈ 0.0095,
///    about 2.4/255). No other reading of the formula gives exactly 499/250/0 at 30/40/50 without changing c or T
///    (that needs a slope ≥ 0.62 per step around m; the formula's slope is c/T = 0.5), so none was invented.
/// 2. ᾱ is indexed from 0 and includes β_t (Π_{i≤t}), as NoisyRollout's <c>alphas_prod[t]</c>: even t = 0 adds
///    noise of std ≈ 0.0047.
/// 3. The schedule is computed in float64 (NoisyRollout: float32); ᾱ differs by &lt; 1e-6 relative.
/// 4. ε is drawn on the CPU from the caller's explicit generator (float32) and moved to the pixels' device, so a seed
///    gives the same noise on every device.
/// 5. step is NoisyRollout's 1-based <c>global_step</c> (the first RL step is step 1, docs/algorithm.md §5.2): the
///    trainer's 0-based step index + 1 (<see cref="NoiseStepFor"/>). Using the index itself gave each step its
///    predecessor's noise.
/// 6. Mixed image sizes (<see cref="ImageBatch"/>): ε is drawn over the whole padded tensor, exactly as for a plain
///    tensor (same generator consumption), and the result is multiplied by the batch's mask, so the padding stays 0. A
///    uniform batch (no padding) skips the mask: its numbers are those of <see cref="Apply(Tensor, int, Generator)"/>.
/// </summary>
public static class DiffusionNoise
{
    /// <summary>Diffusion steps of the schedule (NoisyRollout: 1000).</summary>
    public const int Steps = 1000;

    /// <summary>Smallest β (NoisyRollout: 1e-5).</summary>
    public const double BetaMin = 1e-5;

    /// <summary>Largest β (NoisyRollout: 5e-3).</summary>
    public const double BetaMax = 5e-3;

    private static readonly double[] AlphaBars = BuildAlphaBars();

    /// <summary>β_i, i in 0..999.</summary>
    public static double Beta(int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Steps);
        double x = -6.0 + 12.0 * i / (Steps - 1); // linspace(−6, 6, 1000)_i
        return Sigmoid(x) * (BetaMax - BetaMin) + BetaMin;
    }

    /// <summary>ᾱ_t = Π_{i≤t} (1 − β_i), t in 0..999.</summary>
    public static double AlphaBar(int t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Steps);
        return AlphaBars[t];
    }

    /// <summary>decay(step) = 1 − sigmoid(c·(step/T − m/T)) (NoisyRollout "sigmoid" decay mode), step
    /// 1-based.</summary>
    public static double AnnealingDecay(int globalStep, int totalSteps, double sharpness, double midpoint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        return 1.0 - Sigmoid(sharpness * ((double)globalStep / totalSteps - midpoint / totalSteps));
    }

    /// <summary>t = ⌊t₀ · decay(step)⌋, the noise step of 1-based RL step <paramref name="globalStep"/> of <paramref
    /// name="totalSteps"/>.</summary>
    public static int AnnealedStep(
        int initialStep,
        int globalStep,
        int totalSteps,
        double sharpness,
        double midpoint
    ) => (int)Math.Floor(initialStep * AnnealingDecay(globalStep, totalSteps, sharpness, midpoint));

    /// <summary>
    /// The noise step a noise-perturbing method uses at the RL step with 0-based index <paramref name="stepIndex"/>
    /// (<see cref="RlTrainer.StepIndex"/>; NoisyRollout's global_step = stepIndex + 1): NoisyRollout anneals from
    /// noise_step; the random-noise ablation uses random_noise_step at every step.
    /// </summary>
    public static int NoiseStepFor(RlOptions options, int stepIndex, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(stepIndex);
        return options.Perturbation switch
        {
            Perturbation.AnnealedNoise => AnnealedStep(
                options.NoiseStep,
                stepIndex + 1,
                totalSteps,
                options.NoiseAnnealSharpness,
                options.NoiseAnnealMidpoint
            ),
            Perturbation.FixedNoise => options.RandomNoiseStep,
            var other => throw new ArgumentException(
                $"method {options.Method} has perturbation {other}, not diffusion noise; only NoisyRollout and "
                    + $"RandomNoise add noise.",
                nameof(options)
            ),
        };
    }

    /// <summary>
    /// pixels [B,3,H,W] (any shape) in [0,1] → x_t of the same shape and dtype, clamped to [0,1], without gradient.
    /// </summary>
    public static Tensor Apply(Tensor pixels, int noiseStep, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(generator);
        double alphaBar = AlphaBar(noiseStep);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var noise = randn(pixels.shape, dtype: ScalarType.Float32, generator: generator) // ε [B,3,H,W] on CPU
            .to(pixels.device)
            .to_type(pixels.dtype);
        using var signalScale = Math.Sqrt(alphaBar).ToScalar();
        using var noiseScale = Math.Sqrt(1.0 - alphaBar).ToScalar();
        var noisy = pixels.detach().mul(signalScale).add(noise.mul(noiseScale), Scalars.One);
        return noisy.clamp(Scalars.Zero, Scalars.OneDouble).MoveToOuterDisposeScope();
    }

    /// <summary>Noise inside each row's image only (decision 6) → a new batch with the same sizes, without
    /// gradient.</summary>
    public static ImageBatch Apply(ImageBatch images, int noiseStep, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var noisy = Apply(images.Pixels, noiseStep, generator); // [B,3,Hmax,Wmax]
        if (!images.IsUniform)
        {
            using var noGrad = no_grad();
            noisy = noisy.mul(images.Mask().to_type(noisy.dtype)); // padding back to 0
        }
        return images.WithPixels(noisy.MoveToOuterDisposeScope());
    }

    private static double[] BuildAlphaBars()
    {
        var alphaBars = new double[Steps];
        double product = 1.0;
        for (int t = 0; t < Steps; t++)
        {
            product *= 1.0 - Beta(t);
            alphaBars[t] = product;
        }
        return alphaBars;
    }

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));
}
