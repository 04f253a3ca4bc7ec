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
/// 3. Each run prints its peak without and with activation checkpointing; with <c>--available GIB</c> a run that
///    does not fit prints the refusal the trainer would give.
/// </summary>
public static partial class SweepMemoryEstimate
{
    public const int ImageSide = 512, PromptTextTokens = 128;

    /// <summary>The model config the plan reads, or an explanation of why there is none.</summary>
    public static (MemoryPlanModel? Model, string Source) ResolveModel(SweepSpec spec, string specPath, string? modelConfig)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (modelConfig is not null) return (MemoryPlanModel.FromConfigFile(modelConfig), modelConfig);
        if (spec.Model.Path is { } folder && File.Exists(Path.Combine(folder, "config.json")))
            return (MemoryPlanModel.FromConfigFile(folder), Path.Combine(folder, "config.json"));
        if (spec.Model.Family == ModelFamily.TinyVlm) return (MemoryPlanModel.FromTiny(new TinyVlmConfig()), "tiny-vlm defaults");
        string name = Path.GetFileName((spec.Model.Path ?? spec.Model.Base ?? "").TrimEnd('/'));
        if (SizeTag().Match(name) is { Success: true } match)
        {
            string candidate = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(specPath))!, "models", $"qwen25vl-{match.Groups[1].Value.ToLowerInvariant()}b.json");
            if (File.Exists(candidate)) return (MemoryPlanModel.FromConfigFile(candidate), candidate + " (model folder not on this machine)");
        }
        return (null, $"no config.json for model '{spec.Model.Path ?? spec.Model.Base}' here; pass --model-config FILE");
    }

    /// <summary>The plan inputs of one run under decisions 1–2.</summary>
    public static MemoryPlanInputs Inputs(MemoryPlanModel model, RlOptions options, bool checkpointing)
    {
        bool tiny = model.Family == TinyVlm.FamilyName;
        return MemoryPlanInputs.For(model, options, PromptTextTokens, ImageSide,
            parameterBytes: options.Dtype == ComputeDtype.Bf16 ? 2 : 4, activationCheckpointing: checkpointing, device: tiny ? "cpu" : "cuda:0");
    }

    /// <summary>One line per run: "memory 612.3 GiB on cuda:0 (… ), 540.0 GiB with activation checkpointing".</summary>
    public static IEnumerable<string> Describe(MemoryPlanModel model, RlOptions options, long? availableBytes)
    {
        var plain = MemoryPlan.Estimate(Inputs(model, options, checkpointing: false));
        var checkpointed = MemoryPlan.Estimate(Inputs(model, options, checkpointing: true));
        yield return $"memory {plain.Policy}; {MemoryPlan.Format(checkpointed.Policy.PeakBytes)} with activation checkpointing";
        if (availableBytes is { } available)
            yield return MemoryPlanCheck.Refusal(plain, _ => available) is { } refusal ? "does not fit: " + refusal : $"fits in {MemoryPlan.Format(available)}";
    }

    [GeneratedRegex(@"(\d+)\s*[bB]\b")]
    private static partial Regex SizeTag();
}
