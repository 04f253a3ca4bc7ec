using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Perturbations;

/// <summary>
/// EgAS, entropy-guided adversarial sampling (docs/algorithm.md §3.2, Eq. 4; SaEI paper): K steps of sign-gradient
/// ascent of the TsEC objective on the [0,1] image, with the responses held fixed (teacher forcing):
/// <code>
///   I⁰ = I,   I^{k+1} = Proj( I^k + η · sign(∇_I H_sel(I^k)) ),   k = 0..K−1
///   Proj = clamp to [0,1] ∩ [I⁰ − K·η, I⁰ + K·η]   (elementwise; both are boxes containing I⁰)
/// </code>
/// The objective is a delegate (pixels → H_sel per prompt [B], or a scalar), so this file needs no model; the caller
/// builds it from the policy forward, <c>TokenEntropy.FromLogits</c> and <c>TokenSelector.Objective</c>.
/// Decisions:
/// 1. The gradient is taken with torch.autograd.grad with respect to the pixels only: the model's parameters, even
///    with requires_grad on, get no .grad, so a following optimiser step is unaffected and nothing needs restoring.
///    Turning parameter requires_grad off around the call is optional (it saves the parameter-gradient work).
/// 2. A [B] objective is summed before differentiating. Prompts are independent (H_b depends on image b only), so
///    every image moves along the sign of its own prompt's gradient.
/// 3. sign(0) = 0: a pixel with zero (or non-finite) gradient does not move.
/// 4. The objective is evaluated at every iterate I⁰..I^K (the last under no_grad) so callers can check that EgAS
///    raised it; pass evaluateFinal = false to skip that extra forward.
/// 5. Gradient mode is switched on inside (enable_grad), so the attack also works when called under no_grad.
/// </summary>
public static class EntropyGuidedAttack
{
    /// <summary>
    /// pixels [B,...] in [0,1] (e.g. [B,3,H,W]); objective: pixels → [B] or scalar, differentiable in pixels.
    /// Returns I^K (detached, same shape and dtype) and diagnostics.
    /// </summary>
    public static AdversarialImages Attack(
        Tensor pixels,
        Func<Tensor, Tensor> objective,
        double stepSize,
        int iterations,
        bool evaluateFinal = true
    )
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(objective);
        if (!(stepSize > 0 && stepSize <= 1))
            throw new ArgumentOutOfRangeException(
                nameof(stepSize),
                stepSize,
                "η is in [0,1] pixel units: set e.g. 2/255."
            );
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (pixels.dim() < 1 || pixels.numel() == 0)
            throw new ArgumentException("pixels must be a non-empty [B,...] tensor.", nameof(pixels));

        using var scope = NewDisposeScope();
        var clean = pixels.detach();
        CheckRange(clean);
        using var radius = (iterations * stepSize).ToScalar();
        using var step = stepSize.ToScalar();
        var lower = clean.sub(radius).clamp_min(Scalars.Zero); // [B,...]
        var upper = clean.add(radius, Scalars.One).clamp_max(Scalars.OneDouble); // [B,...]
        var objectives = new List<double[]>(iterations + 1);
        var current = clean;
        for (int k = 0; k < iterations; k++)
        {
            using var stepScope = NewDisposeScope();
            using var gradMode = enable_grad();
            var input = current.detach().requires_grad_(true);
            var value = objective(input);
            objectives.Add(Values(value, k));
            var gradient = torch.autograd.grad([value.sum()], [input])[0]; // [B,...]
            var direction = where(gradient.isfinite(), gradient.sign(), zeros_like(gradient));
            var next = input.detach().add(direction.mul(step), Scalars.One).clamp(lower, upper);
            current = next.MoveToOuterDisposeScope();
        }

        if (evaluateFinal)
        {
            using var finalScope = NewDisposeScope();
            using var noGrad = no_grad();
            objectives.Add(Values(objective(current), iterations));
        }

        // [B]
        var lInfinity = (current - clean).abs().reshape(clean.shape[0], -1).amax([1]).to_type(ScalarType.Float64);
        return new AdversarialImages(current.MoveToOuterDisposeScope(), objectives, lInfinity.data<double>().ToArray());
    }

    /// <summary>EgAS with η = step_size and K = iterations from the run's options.</summary>
    public static AdversarialImages Attack(
        Tensor pixels,
        Func<Tensor, Tensor> objective,
        RlOptions options,
        bool evaluateFinal = true
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        return Attack(pixels, objective, options.StepSize, options.Iterations, evaluateFinal);
    }

    private static double[] Values(Tensor value, int step)
    {
        var values = value.detach().to_type(ScalarType.Float64).cpu().reshape(-1).data<double>().ToArray();
        if (values.Length == 0 || values.Any(v => !double.IsFinite(v)))
            throw new InvalidOperationException(
                $"EgAS objective at step {step} is empty or not finite ([{string.Join(", ", values)}]); check the "
                    + $"teacher-forced responses and their mask."
            );
        return values;
    }

    private static void CheckRange(Tensor clean)
    {
        double min = clean.min().to_type(ScalarType.Float64).item<double>();
        double max = clean.max().to_type(ScalarType.Float64).item<double>();
        if (min < 0 || max > 1)
            throw new ArgumentException(
                $"EgAS perturbs [0,1] pixels before the model's normalisation; got values in [{min}, {max}]. Pass "
                    + $"the resized image divided by 255.",
                nameof(clean)
            );
    }
}

/// <summary>The EgAS result.</summary>
/// <param name="Pixels">I^K, [B,...] like the input, detached, in [0,1] and within K·η of the clean image.</param>
/// <param name="Objectives">Objective per prompt at I⁰, I¹, ..., I^K (K+1 entries; K when not evaluating the
/// last).</param>
/// <param name="LInfinity">‖I^K − I⁰‖∞ per prompt [B].</param>
public sealed record AdversarialImages(Tensor Pixels, IReadOnlyList<double[]> Objectives, double[] LInfinity)
{
    /// <summary>Largest ‖I^K − I⁰‖∞ over prompts.</summary>
    public double MaxLInfinity => LInfinity.Length == 0 ? 0 : LInfinity.Max();

    /// <summary>
    /// Fraction of prompts whose objective at I^K is strictly above the one at I⁰ (the model-level acceptance check:
    /// EgAS raises the TsEC entropy for ≥ 95% of prompts). Needs the final evaluation (evaluateFinal = true).
    /// </summary>
    public double RaisedFraction
    {
        get
        {
            if (Objectives.Count < 2)
                throw new InvalidOperationException(
                    "the objective at I^K was not evaluated: run the attack with evaluateFinal = true."
                );
            double[] before = Objectives[0],
                after = Objectives[^1];
            return before.Length == 0 ? 0 : before.Zip(after).Count(p => p.Second > p.First) / (double)before.Length;
        }
    }
}
