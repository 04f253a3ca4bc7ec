using SaEI.Gpu.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// AdamW with decoupled weight decay, written out so its whole state (moments and step) serialises exactly and a
/// resumed run continues bit for bit (TorchSharp's optimizer state is not exposed for that).
///   p ← p − lr·λ·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
///   p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
/// Same update order and bias correction as torch.optim.AdamW (amsgrad off); a test checks it against TorchSharp's.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;

    public AdamWOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double learningRate, double beta1 = 0.9,
        double beta2 = 0.999, double weightDecay = 0.01, double epsilon = 1e-8)
    {
        this.parameters = parameters;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        Epsilon = epsilon;
        firstMoments = parameters.Select(p => zeros_like(p.Parameter).DetachFromDisposeScope()).ToArray();
        secondMoments = parameters.Select(p => zeros_like(p.Parameter).DetachFromDisposeScope()).ToArray();
    }

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double WeightDecay { get; }
    public double Epsilon { get; }

    /// <summary>Optimiser steps taken (t in the bias correction).</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one update from the parameters' current gradients (parameters without a gradient are skipped).</summary>
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
            if (gradient is null) continue;
            parameter.mul_(decay);
            firstMoments[i].mul_(beta1).add_(gradient, alpha: firstWeight);
            secondMoments[i].mul_(beta2).addcmul_(gradient, gradient, value: secondWeight);
            var denominator = secondMoments[i].div(secondCorrection).sqrt_().add_(epsilon, Scalars.One);
            parameter.addcdiv_(firstMoments[i], denominator, value: stepSize);
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

    /// <summary>The state as named tensors (copies) plus the step: `exp_avg.{name}`, `exp_avg_sq.{name}`.</summary>
    public (Dictionary<string, Tensor> Tensors, long Step) ExportState()
    {
        var tensors = new Dictionary<string, Tensor>();
        for (int i = 0; i < parameters.Count; i++)
        {
            tensors[$"exp_avg.{parameters[i].Name}"] = firstMoments[i].detach().cpu().clone();
            tensors[$"exp_avg_sq.{parameters[i].Name}"] = secondMoments[i].detach().cpu().clone();
        }
        return (tensors, StepCount);
    }

    /// <summary>Restores what <see cref="ExportState"/> produced; a missing or misshapen tensor is named in the error.</summary>
    public void ImportState(IReadOnlyDictionary<string, Tensor> tensors, long step)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            Copy(tensors, $"exp_avg.{parameters[i].Name}", firstMoments[i]);
            Copy(tensors, $"exp_avg_sq.{parameters[i].Name}", secondMoments[i]);
        }
        StepCount = step;
    }

    private static void Copy(IReadOnlyDictionary<string, Tensor> tensors, string name, Tensor target)
    {
        if (!tensors.TryGetValue(name, out var source))
            throw new InvalidDataException($"optimizer state lacks tensor '{name}'");
        if (!source.shape.SequenceEqual(target.shape))
            throw new InvalidDataException($"optimizer state tensor '{name}' has shape [{string.Join(",", source.shape)}], expected [{string.Join(",", target.shape)}]");
        target.copy_(source);
    }

    public void Dispose()
    {
        foreach (var t in firstMoments) t.Dispose();
        foreach (var t in secondMoments) t.Dispose();
    }
}
