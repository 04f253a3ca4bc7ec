using System.Text.RegularExpressions;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Training;
using SaEI.Grains.Sweeps;

namespace SaEI.Client.Commands;

/// <summary>
/// The memory plan of each run of a spec for `saei sweep validate --runs`, from the model's config alone (nothing is
/// loaded). The config is, in order: <c>--model-config FILE</c>; config.json in the spec's <c>model.path</c> when
/// that folder is on this machine; for Qwen2.5-VL, <c>models/qwen25vl-{N}b.json</c> beside the spec, N read from
/// the folder name (…Qwen2.5-VL-7B-Instruct → qwen25vl-7b.json); for tiny-vlm without a folder, the default config.
/// Decisions:
/// 1. The run's dtype option sets the parameter bytes (bf16 adds a float32 master copy); Qwen2.5-VL is planned on
///    cuda:0, TinyVlm on the CPU.
/// 2. Images are 512×512 before the model's resize (EasyR1's min_pixels 262144) and prompts 128 text tokens.
/// 3. Each run prints its peak per device with its own options (and with activation checkpointing when it is off);
///    with <c>--available GIB</c>, and for each node of the spec's <c>nodes:</c>, whether it fits, and when it does
///    not the refusal the trainer would give (what to change).
/// </summary>
public static partial class SweepMemoryEstimate
{
    public const int ImageSide = 512,
        PromptTextTokens = 128;

    /// <summary>The model config the plan reads, or an explanation of why there is none.</summary>
    public static (MemoryPlanModel? Model, string Source) ResolveModel(
        SweepSpec spec,
        string specPath,
        string? modelConfig
    )
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (modelConfig is not null)
            return (MemoryPlanModel.FromConfigFile(modelConfig), modelConfig);
        if (spec.Model.Path is { } folder && File.Exists(Path.Combine(folder, "config.json")))
            return (MemoryPlanModel.FromConfigFile(folder), Path.Combine(folder, "config.json"));
        if (spec.Model.Family == ModelFamily.TinyVlm)
            return (MemoryPlanModel.FromTiny(new TinyVlmConfig()), "tiny-vlm defaults");
        string name = Path.GetFileName((spec.Model.Path ?? spec.Model.Base ?? "").TrimEnd('/'));
        if (SizeTag().Match(name) is { Success: true } match)
        {
            string candidate = Path.Combine(
                Path.GetDirectoryName(Path.GetFullPath(specPath))!,
                "models",
                $"qwen25vl-{match.Groups[1].Value.ToLowerInvariant()}b.json"
            );
            if (File.Exists(candidate))
                return (MemoryPlanModel.FromConfigFile(candidate), candidate + " (model folder not on this machine)");
        }
        return (
            null,
            $"no config.json for model '{spec.Model.Path ?? spec.Model.Base}' here; pass --model-config FILE"
        );
    }

    /// <summary>The plan inputs of one run under decisions 1–2 on <paramref name="device"/> (default by family).
    /// </summary>
    public static MemoryPlanInputs Inputs(
        MemoryPlanModel model,
        RlOptions options,
        bool? checkpointing = null,
        string? device = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        bool tiny = model.Family == TinyVlm.FamilyName;
        return MemoryPlanInputs.For(
            model,
            options,
            PromptTextTokens,
            ImageSide,
            parameterBytes: options.Dtype == ComputeDtype.Bf16 ? 2 : 4,
            activationCheckpointing: checkpointing,
            device: device ?? (tiny ? "cpu" : "cuda:0")
        );
    }

    /// <summary>
    /// Lines for one run: its estimate per device (with the run's options; also with activation checkpointing when
    /// the run has it off), then with <paramref name="availableBytes"/> whether it fits, then for each node of the
    /// spec whether it fits there and, when not, the fix (decision 3).
    /// </summary>
    public static IEnumerable<string> Describe(
        MemoryPlanModel model,
        RlOptions options,
        long? availableBytes,
        IReadOnlyList<NodeSpec>? nodes = null
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        var estimate = MemoryPlan.Estimate(Inputs(model, options));
        long checkpointed = MemoryPlan.Estimate(Inputs(model, options, checkpointing: true)).Policy.PeakBytes;
        string withCheckpointing = options.ActivationCheckpointing
            ? ""
            : $"; {MemoryPlan.Format(checkpointed)} with activation checkpointing";
        yield return $"memory {string.Join("; ", estimate.Devices)}{withCheckpointing}";
        if (availableBytes is { } available)
            yield return MemoryPlanCheck.Refusal(estimate, _ => available) is { } refusal
                ? "does not fit: " + refusal
                : $"fits in {MemoryPlan.Format(available)}";
        foreach (var node in nodes ?? [])
            yield return OnNode(model, options, node);
    }

    /// <summary>
    /// "node h200-141g (1 × cuda, 141.0 GiB each): fits, 120.3 GiB of 141.0 GiB on cuda:0", or "…: does not fit: "
    /// and the refusal without its estimate (the run's memory line shows it).
    /// </summary>
    public static string OnNode(MemoryPlanModel model, RlOptions options, NodeSpec node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var estimate = MemoryPlan.Estimate(Inputs(model, options, device: node.DeviceName(0)));
        // The plan puts every stage on the first device (MemoryPlan decision 4), so k devices are checked against k
        // times one device's memory, as the run-time gate does (MemoryPlanGate).
        long budget = node.MemoryBytes * node.Devices;
        string head = $"node {node.Name} ({node.Devices} × {node.Device}, {MemoryPlan.Format(node.MemoryBytes)} each)";
        if (MemoryPlanCheck.Refusal(estimate, _ => budget) is not { } refusal)
            return $"{head}: fits, {MemoryPlan.Format(estimate.Policy.PeakBytes)} of {MemoryPlan.Format(budget)} "
                + $"on {estimate.Policy.Device}";
        int end = refusal.IndexOf(" Estimate: ", StringComparison.Ordinal);
        return $"{head}: does not fit: {(end >= 0 ? refusal[..end] : refusal)}";
    }

    [GeneratedRegex(@"(\d+)\s*[bB]\b")]
    private static partial Regex SizeTag();
}
