using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tests.Training;
using SaEI.Gpu.Training;
using SaEI.Grains.Runs;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;
using SaEI.Grains.Workers;
using static TorchSharp.torch;

namespace SaEI.Grains.Tests.Training;

/// <summary><see cref="MemoryPlanGate"/>: what the executor plans from a loaded model and data, and its
/// refusal.</summary>
public sealed class MemoryPlanGateTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("saei-memory-gate-").FullName;

    public MemoryPlanGateTests() => TorchRuntime.Initialize(1);

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void A_run_that_does_not_fit_is_a_configuration_failure_naming_the_run_and_what_to_change()
    {
        string folder = TinyQwenFolder.Write(Path.Combine(root, "qwen"));
        using var policy = ModelSource.Load(new ModelSpec(ModelFamily.Qwen25Vl, null, folder), folder, CPU);
        var problems = new[]
        {
            new VisualProblem(
                "p0",
                "What is 2 + 3?",
                "5",
                null,
                new RgbImage(112, 84, new byte[112 * 84 * 3]),
                "test",
                "sum"
            ),
        };
        var options = new RlOptions
        {
            PromptsPerStep = 1,
            MiniBatchPrompts = 1,
            GroupSize = 4,
            MicroBatchResponses = 4,
            MaxNewTokens = 16,
        };

        var estimate = MemoryPlanGate.Estimate(folder, policy, options, problems, hasReference: true);
        Assert.Equal("cpu", estimate.Policy.Device);
        Assert.Equal(4, estimate.Inputs.ParameterBytes); // float32 parameters
        Assert.Equal(112, estimate.Inputs.ImageSide);
        Assert.Equal(policy.Tokenizer.BuildPrompt("What is 2 + 3?", 1).Length - 1, estimate.Inputs.PromptTextTokens);
        long parameters = policy.NamedParameters().Sum(p => p.Parameter.numel());
        Assert.Equal(parameters * 4, estimate.Policy.BytesOf("reference"));

        MemoryPlanGate.ThrowIfTooLarge(estimate, "grpo-1-s1", availableGiB: 1, deviceCount: 1); // fits in 1 GiB
        var refused = Assert.Throws<RunFailureException>(() =>
            MemoryPlanGate.ThrowIfTooLarge(estimate, "grpo-1-s1", availableGiB: 1.0 / 1024, deviceCount: 1)
        );
        Assert.Equal(FailureKind.Configuration, refused.Kind);
        Assert.Equal(0, refused.Step);
        Assert.StartsWith(
            $"run grpo-1-s1: memory plan: needs {MemoryPlan.Format(estimate.Policy.PeakBytes)} on cpu, 1.0 MiB "
                + $"available: ",
            refused.Message,
            StringComparison.Ordinal
        );
        Assert.Contains("or add a device", refused.Message, StringComparison.Ordinal);
    }
}
