using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Training;
using SaEI.Grains.Runs;
using SaEI.Grains.Workers;
using DeviceType = TorchSharp.DeviceType;

namespace SaEI.Grains.Training;

/// <summary>
/// Refuses a run before its first step when its <see cref="MemoryPlan"/> does not fit the node (issue 13): a
/// configuration failure (never retried) whose message says what to change.
/// Decisions:
/// 1. Inputs come from what the executor has loaded: the model folder's config.json, the parameters' element size
///    (so a bf16 policy is planned in bf16), the reference when loaded (on the policy's devices), the run's options,
///    the training set's largest image side and longest prompt text (the first <see cref="SampledProblems"/>).
/// 2. The float32 master copy (dtype bf16) and activation checkpointing come from the run's options.
/// 3. Available memory: <see cref="TorchExecutorOptions.AvailableMemoryGiB"/> per device when set, else
///    MemAvailable for the CPU; a CUDA device without the setting is not checked (TODO(#13): ask the device).
///    A model sharded over k devices is checked against k times one device's budget (the plan puts every stage on the
///    first device, decision 4 of <see cref="MemoryPlan"/>).
/// </summary>
public static class MemoryPlanGate
{
    public const int SampledProblems = 1024;

    public static MemoryPlanEstimate Estimate(
        string modelDirectory,
        IPolicyModel policy,
        RlOptions options,
        IReadOnlyList<VisualProblem> train,
        bool hasReference
    )
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        var model = MemoryPlanModel.FromConfigFile(modelDirectory);
        var sample = train.Take(SampledProblems).ToList();
        int imageSide = sample.Count == 0 ? 1 : sample.Max(p => Math.Max(p.Image.Height, p.Image.Width));
        int promptText = sample.Count == 0 ? 1 : sample.Max(p => policy.Tokenizer.BuildPrompt(p.Problem, 1).Length - 1);
        int parameterBytes = (int)policy.NamedParameters()[0].Parameter.ElementSize;
        var device = policy.Device;
        string deviceName = device.type == DeviceType.CPU ? "cpu" : $"cuda:{Math.Max(0, device.index)}";
        return MemoryPlan.Estimate(
            MemoryPlanInputs.For(
                model,
                options,
                promptText,
                imageSide,
                parameterBytes,
                reference: hasReference ? ReferencePlacement.SameDevice : ReferencePlacement.None,
                device: deviceName
            )
        );
    }

    /// <summary>Throws a configuration <see cref="RunFailureException"/> naming the run when the estimate does not
    /// fit.</summary>
    public static void ThrowIfTooLarge(MemoryPlanEstimate estimate, string runId, double availableGiB, int deviceCount)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        long? configured = availableGiB > 0 ? (long)(availableGiB * (1L << 30)) * Math.Max(1, deviceCount) : null;
        string? refusal = MemoryPlanCheck.Refusal(
            estimate,
            device => MemoryPlanCheck.AvailableBytes(device, configured)
        );
        if (refusal is not null)
            throw new RunFailureException(FailureKind.Configuration, $"run {runId}: memory plan: {refusal}", 0);
    }
}
