using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// AdamW with decoupled weight decay, written out so its whole state (moments, master copies and step) serialises
/// exactly and a resumed run continues bit for bit (TorchSharp's optimizer state is not exposed for that).
///   p ← p − lr·λ·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
///   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
/// Same update order and bias correction as torch.optim.AdamW (amsgrad off); a test checks it against TorchSharp's.
/// Decisions (issue 13, mixed precision):
/// 1. Moments are float32 for bfloat16/float16 parameters (and the parameter's own dtype for float32/float64 ones).
/// 2. A bf16/f16 parameter gets a float32 master copy: the update is applied to the master, which is then rounded
///    into the parameter. bf16 has 8 significant bits, so an update below half a unit in the last place
///    (|Δ| &lt; 2⁻⁹·|p|, e.g. lr 1e-6 on weights near 0.01) would round away every step; the master accumulates it.
/// 3. Memory per parameter: bf16 run = parameter 2 B + master 4 B + moments 8 B + gradient 2 B = 16 B (8.29 B
///    parameters of Qwen2.5-VL-7B: 133 GB, plus activations and a 2 B/parameter bf16 reference); float32 run =
///    4 + 8 + 4 = 16 B too, but activations and the reference are twice as large.
/// 4. Masters are exported as <c>master.{name}</c> beside <c>exp_avg.{name}</c>/<c>exp_avg_sq.{name}</c>, so a
///    resumed bf16 run continues from the exact float32 weights, not from their bf16 rounding.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;
    private readonly Tensor?[] masters;

    public AdamWOptimizer(
        IReadOnlyList<(string Name, Parameter Parameter)> parameters,
        double learningRate,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double weightDecay = 0.01,
        double epsilon = 1e-8
    )
    {
        this.parameters = parameters;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        Epsilon = epsilon;
        using var noGrad = no_grad();
        firstMoments = parameters
            .Select(p => zeros_like(p.Parameter, dtype: StateDtype(p.Parameter)).DetachFromDisposeScope())
            .ToArray();
        secondMoments = parameters
            .Select(p => zeros_like(p.Parameter, dtype: StateDtype(p.Parameter)).DetachFromDisposeScope())
            .ToArray();
        masters = parameters
            .Select(p =>
                NeedsMaster(p.Parameter)
                    ? p.Parameter.detach().to_type(ScalarType.Float32).clone().DetachFromDisposeScope()
                    : null
            )
            .ToArray();
    }

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double WeightDecay { get; }
    public double Epsilon { get; }

    /// <summary>Optimiser steps taken (t in the bias correction).</summary>
    public long StepCount { get; private set; }

    /// <summary>Parameters with a float32 master copy (decision 2).</summary>
    public int MasterCount => masters.Count(m => m is not null);

    /// <summary>Applies one update from the parameters' current gradients (parameters without a gradient are
    /// skipped).</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        StepCount++;
        double correction1 = 1 - Math.Pow(Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Beta2, StepCount);
        // Scalars live until the end of the step (Scalars.cs: a temporary could be freed during the native call).
        using var decay = (1 - LearningRate * WeightDecay).ToScalar();
        using var beta1 = Beta1.ToScalar();
        using var firstWeight = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var secondWeight = (1 - Beta2).ToScalar();
        using var secondCorrection = correction2.ToScalar();
        using var epsilon = Epsilon.ToScalar();
        using var stepSize = (-LearningRate / correction1).ToScalar();
        for (int i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i].Parameter;
            var gradient = parameter.grad;
            if (gradient is null)
                continue;
            var weights = masters[i] ?? parameter; // decision 2: update the master
            if (gradient.dtype != weights.dtype)
                gradient = gradient.to_type(weights.dtype);
            weights.mul_(decay);
            firstMoments[i].mul_(beta1).add_(gradient, alpha: firstWeight);
            secondMoments[i].mul_(beta2).addcmul_(gradient, gradient, value: secondWeight);
            var denominator = secondMoments[i].div(secondCorrection).sqrt_().add_(epsilon, Scalars.One);
            weights.addcdiv_(firstMoments[i], denominator, value: stepSize);
            if (masters[i] is { } master)
                parameter.copy_(master); // round to nearest bf16
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, parameter) in parameters)
        {
            using var gradient = parameter.grad;
            gradient?.zero_();
        }
    }

    /// <summary>
    /// The state as named tensors (copies) plus the step: <c>exp_avg.{name}</c>, <c>exp_avg_sq.{name}</c>, and
    /// <c>master.{name}</c> for parameters with a master copy (decision 4).
    /// </summary>
    public (Dictionary<string, Tensor> Tensors, long Step) ExportState()
    {
        var tensors = new Dictionary<string, Tensor>();
        for (int i = 0; i < parameters.Count; i++)
        {
            tensors[$"exp_avg.{parameters[i].Name}"] = firstMoments[i].detach().cpu().clone();
            tensors[$"exp_avg_sq.{parameters[i].Name}"] = secondMoments[i].detach().cpu().clone();
            if (masters[i] is { } master)
                tensors[$"master.{parameters[i].Name}"] = master.detach().cpu().clone();
        }
        return (tensors, StepCount);
    }

    /// <summary>
    /// Restores what <see cref="ExportState"/> produced; a missing or misshapen tensor is named in the error. A bf16
    /// parameter's master is required (a float32 run's state has none: resume it with dtype f32).
    /// </summary>
    public void ImportState(IReadOnlyDictionary<string, Tensor> tensors, long step)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            Copy(tensors, $"exp_avg.{parameters[i].Name}", firstMoments[i]);
            Copy(tensors, $"exp_avg_sq.{parameters[i].Name}", secondMoments[i]);
            if (masters[i] is { } master)
            {
                string name = $"master.{parameters[i].Name}";
                if (!tensors.ContainsKey(name))
                    throw new InvalidDataException(
                        $"optimizer state lacks tensor '{name}', the float32 master copy of a "
                            + $"{parameters[i].Parameter.dtype} parameter; it was written by a float32 run: resume it "
                            + $"with dtype f32."
                    );
                Copy(tensors, name, master);
                parameters[i].Parameter.copy_(master);
            }
        }
        StepCount = step;
    }

    /// <summary>
    /// The live state tensors under <see cref="ExportState"/>'s names, without copies, for streamed checkpoints: a
    /// writer reads them one at a time; a reader fills them in place, then calls <see cref="CompleteImport"/>.
    /// </summary>
    internal IReadOnlyList<KeyValuePair<string, Tensor>> StateTensors()
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < parameters.Count; i++)
        {
            tensors.Add(new($"exp_avg.{parameters[i].Name}", firstMoments[i]));
            tensors.Add(new($"exp_avg_sq.{parameters[i].Name}", secondMoments[i]));
            if (masters[i] is { } master)
                tensors.Add(new($"master.{parameters[i].Name}", master));
        }
        return tensors;
    }

    /// <summary>The error for a state tensor an optimizer file lacks (<see cref="ImportState"/>'s wording).</summary>
    internal string MissingStateMessage(string name)
    {
        int index = parameters.ToList().FindIndex(p => name == $"master.{p.Name}");
        return index < 0
            ? $"optimizer state lacks tensor '{name}'"
            : $"optimizer state lacks tensor '{name}', the float32 master copy of a "
                + $"{parameters[index].Parameter.dtype} parameter; it was written by a float32 run: resume it with "
                + $"dtype f32.";
    }

    /// <summary>After <see cref="StateTensors"/> were filled in place: rounds each master into its parameter and
    /// sets the step.</summary>
    internal void CompleteImport(long step)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
            if (masters[i] is { } master)
                parameters[i].Parameter.copy_(master);
        StepCount = step;
    }

    private static bool NeedsMaster(Tensor parameter) => parameter.dtype is ScalarType.BFloat16 or ScalarType.Float16;

    private static ScalarType StateDtype(Tensor parameter) =>
        NeedsMaster(parameter) ? ScalarType.Float32 : parameter.dtype;

    private static void Copy(IReadOnlyDictionary<string, Tensor> tensors, string name, Tensor target)
    {
        if (!tensors.TryGetValue(name, out var source))
            throw new InvalidDataException($"optimizer state lacks tensor '{name}'");
        if (!source.shape.SequenceEqual(target.shape))
            throw new InvalidDataException(
                $"optimizer state tensor '{name}' has shape [{string.Join(",", source.shape)}], expected "
                    + $"[{string.Join(",", target.shape)}]"
            );
        target.copy_(source);
    }

    public void Dispose()
    {
        foreach (var t in firstMoments)
            t.Dispose();
        foreach (var t in secondMoments)
            t.Dispose();
        foreach (var t in masters)
            t?.Dispose();
    }
}
