using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

public sealed class AdamWOptimizerTests
{
    private static Parameter NewParameter(long seed)
    {
        var generator = new Generator((ulong)seed);
        return new Parameter(randn([3, 4], dtype: float64, generator: generator));
    }

    private static Tensor Loss(Parameter p, int step) => (p * p * (1 + step)).sum() + p.sin().sum();

    [Fact]
    public void Matches_torch_AdamW_over_several_steps()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var mine = NewParameter(5);
        var reference = NewParameter(5);
        using var ours = new AdamWOptimizer([("w", mine)], learningRate: 0.05, weightDecay: 0.1);
        var theirs = optim.AdamW([reference], lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.1);
        for (int step = 0; step < 5; step++)
        {
            ours.ZeroGrad();
            Loss(mine, step).backward();
            ours.Step();
            theirs.zero_grad();
            Loss(reference, step).backward();
            theirs.step();
        }
        Assert.True(allclose(mine, reference, rtol: 1e-12, atol: 1e-12), "our AdamW drifted from torch.optim.AdamW");
        Assert.Equal(5, ours.StepCount);
    }

    [Fact]
    public void Exported_state_resumes_bit_for_bit()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var straight = NewParameter(9);
        using (var optimizer = new AdamWOptimizer([("w", straight)], learningRate: 0.01))
            for (int step = 0; step < 6; step++)
            {
                optimizer.ZeroGrad();
                Loss(straight, step).backward();
                optimizer.Step();
            }

        var resumed = NewParameter(9);
        (Dictionary<string, Tensor> Tensors, long Step) saved;
        using (var first = new AdamWOptimizer([("w", resumed)], learningRate: 0.01))
        {
            for (int step = 0; step < 3; step++)
            {
                first.ZeroGrad();
                Loss(resumed, step).backward();
                first.Step();
            }
            saved = first.ExportState();
        }
        using (var second = new AdamWOptimizer([("w", resumed)], learningRate: 0.01))
        {
            second.ImportState(saved.Tensors, saved.Step);
            for (int step = 3; step < 6; step++)
            {
                second.ZeroGrad();
                Loss(resumed, step).backward();
                second.Step();
            }
        }
        Assert.True(eq(straight, resumed).all().item<bool>(), "resumed parameters differ from the uninterrupted run");
    }

    [Fact]
    public void Importing_a_misshapen_moment_names_the_tensor()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var optimizer = new AdamWOptimizer([("layer.weight", NewParameter(1))], learningRate: 0.01);
        var (tensors, _) = optimizer.ExportState();
        tensors["exp_avg.layer.weight"] = zeros(2, 2, dtype: float64);
        var error = Assert.Throws<InvalidDataException>(() => optimizer.ImportState(tensors, 1));
        Assert.Contains("exp_avg.layer.weight", error.Message, StringComparison.Ordinal);
    }
}
