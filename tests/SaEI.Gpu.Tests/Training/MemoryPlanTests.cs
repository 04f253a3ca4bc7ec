using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

public sealed class MemoryPlanTests
{
    private static readonly string SevenB = Example("qwen25vl-7b.json");
    private static readonly string TinyQwen = Example("qwen25vl-tiny.json");

    public MemoryPlanTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void TinyVlm_parameter_count_from_the_config_equals_the_built_model()
    {
        var config = new TinyVlmConfig
        {
            Layers = 3,
            HiddenSize = 96,
            Heads = 3,
            KeyValueHeads = 1,
            ImageSize = 32,
        };
        using var model = TinyVlm.Create(config, seed: 1, CPU);
        long built = model.NamedParameters().Sum(p => p.Parameter.numel());
        var plan = MemoryPlanModel.FromTiny(config);
        Assert.Equal(built, plan.Parameters);
        long vision = model
            .NamedParameters()
            .Where(p => !p.Name.StartsWith("model.", StringComparison.Ordinal) && p.Name != "lm_head.weight")
            .Sum(p => p.Parameter.numel());
        Assert.Equal(vision, plan.VisionParameters);
    }

    [Fact]
    public void Qwen_parameter_count_from_the_config_equals_the_built_model_and_the_7B_total()
    {
        var config = Qwen25VlConfig.Load(TinyQwen);
        using var model = new Qwen25VlModel(config, ScalarType.Float32);
        Assert.Equal(model.parameters().Sum(p => p.numel()), MemoryPlanModel.FromQwen(config).Parameters);
        var sevenB = MemoryPlanModel.FromConfigFile(SevenB);
        Assert.Equal(8_292_166_656L, sevenB.Parameters); // docs/qwen25vl.md §1.7
        Assert.Equal(324, sevenB.ImageTokensFor(512)); // 512 → 504 px = 36² patches / 4
    }

    [Fact]
    public void Static_terms_follow_their_formulas_for_the_7B_in_bf16_with_a_master_copy()
    {
        var inputs = SevenBInputs() with { ParameterBytes = 2, MasterCopy = true };
        var device = MemoryPlan.Estimate(inputs).Policy;
        const long p = 8_292_166_656L;
        Assert.Equal(2 * p, device.BytesOf("weights")); // 16.6 GB in BF16 (issue 13)
        Assert.Equal(4 * p, device.BytesOf("master copy"));
        Assert.Equal(4 * p, device.BytesOf("gradients"));
        Assert.Equal(8 * p, device.BytesOf("adamw moments"));
        Assert.Equal(2 * p, device.BytesOf("reference"));
        Assert.Equal(device.Terms.Sum(t => t.Bytes), device.PeakBytes);
    }

    [Fact]
    public void Kv_cache_of_a_hand_computed_tiny_rollout()
    {
        // TinyVlm defaults: L 4, Hkv 2, d 32; 64 image tokens + 20 text = Tp 84, Tr 48 → T 132.
        // Ng = B·G = 2·4 = 8 rows (GRPO samples the whole group at once); float32: 8·132·4·2·2·32·4 = 4,325,376 bytes.
        var model = MemoryPlanModel.FromTiny(new TinyVlmConfig());
        var options = new RlOptions
        {
            Method = RlMethod.Grpo,
            PromptsPerStep = 2,
            GroupSize = 4,
            MiniBatchPrompts = 1,
            MaxNewTokens = 48,
            MicroBatchResponses = 200,
        };
        var inputs = MemoryPlanInputs.For(model, options, promptTextTokens: 20, imageSide: 999) with
        {
            MicroBatchRows = 1,
        };
        var estimate = MemoryPlan.Estimate(inputs);
        Assert.Equal(132, inputs.SequenceTokens);
        Assert.Equal(8L * 132 * 4 * 2 * 2 * 32 * 4, estimate.Policy.BytesOf("generation kv cache"));
    }

    [Fact]
    public void Kl_zero_has_no_reference_and_checkpointing_lowers_update_activations()
    {
        var model = MemoryPlanModel.FromConfigFile(SevenB);
        var options = new RlOptions
        {
            KlCoefficient = 0,
            PromptsPerStep = 1,
            MiniBatchPrompts = 1,
            GroupSize = 2,
            MicroBatchResponses = 2,
            MaxNewTokens = 2048,
        };
        var plain = MemoryPlan.Estimate(MemoryPlanInputs.For(model, options, 128, 512, parameterBytes: 2));
        var checkpointed = MemoryPlan.Estimate(
            MemoryPlanInputs.For(model, options, 128, 512, parameterBytes: 2, activationCheckpointing: true)
        );
        Assert.Equal(0, plain.Policy.BytesOf("reference"));
        Assert.Single(plain.Devices);
        Assert.True(
            checkpointed.Policy.BytesOf("update activations") * 5 < plain.Policy.BytesOf("update activations"),
            $"checkpointing {checkpointed.Policy} vs {plain.Policy}"
        );
    }

    [Fact]
    public void A_reference_on_another_device_or_offloaded_is_planned_there()
    {
        var model = MemoryPlanModel.FromConfigFile(SevenB);
        var other = MemoryPlan.Estimate(SevenBInputs() with { Reference = ReferencePlacement.OtherDevice });
        Assert.Equal(["cuda:0", "cuda:1"], other.Devices.Select(d => d.Device));
        Assert.Equal(0, other.Policy.BytesOf("reference"));
        Assert.Equal(model.Parameters * 2, other.Devices[1].BytesOf("reference"));
        var offloaded = MemoryPlan.Estimate(SevenBInputs() with { Reference = ReferencePlacement.CpuOffload });
        Assert.Equal("cpu", offloaded.Devices[1].Device);
    }

    [Fact]
    public void A_plan_over_budget_is_refused_naming_the_device_the_budget_and_checkpointing_first()
    {
        // One prompt, long responses, micro-batches of 2: the update's saved activations dominate and checkpointing
        // saves more than halving the micro-batch to 1 would.
        var estimate = MemoryPlan.Estimate(SevenBInputs() with { MicroBatchRows = 2 });
        string? refusal = MemoryPlanCheck.Refusal(estimate, _ => 80L << 30);
        Assert.NotNull(refusal);
        Assert.True(
            refusal.StartsWith(
                $"needs {MemoryPlan.Format(estimate.Policy.PeakBytes)} on cuda:0, 80.0 GiB available: enable "
                    + $"activation checkpointing (saves ",
                StringComparison.Ordinal
            ),
            refusal
        );
        Assert.Contains("or add a device", refusal, StringComparison.Ordinal);
        Assert.Null(MemoryPlanCheck.Refusal(estimate, _ => estimate.Policy.PeakBytes));
        Assert.Null(MemoryPlanCheck.Refusal(estimate, _ => null)); // unknown budget: not checked
    }

    [Fact]
    public void A_plan_whose_generation_dominates_is_told_to_chunk_it()
    {
        // 512 prompts × 8 responses decoded at once: the prefill and KV cache of 4096 rows dominate (issue 13).
        var all = SevenBInputs() with
        {
            PromptsPerStep = 512,
            MicroBatchRows = 1,
            ActivationCheckpointing = true,
        };
        var estimate = MemoryPlan.Estimate(all);
        Assert.Equal(4096, all.GenerationRows);
        string? refusal = MemoryPlanCheck.Refusal(estimate, _ => 280L << 30);
        Assert.NotNull(refusal);
        Assert.Matches(@"set generation_batch_rows (\d+) \(saves [0-9.]+ GiB\)", refusal);
        string suggested = System
            .Text.RegularExpressions.Regex.Match(refusal, @"set generation_batch_rows (\d+)")
            .Groups[1]
            .Value;
        int rows = int.Parse(suggested, System.Globalization.CultureInfo.InvariantCulture);
        var chunked = MemoryPlan.Estimate(all with { GenerationBatchRows = rows });
        Assert.Null(MemoryPlanCheck.Refusal(chunked, _ => 280L << 30));
    }

    [Fact]
    public void Cpu_available_memory_comes_from_proc_meminfo()
    {
        if (!File.Exists("/proc/meminfo"))
            return; // Linux only (decision 1)
        long? available = MemoryPlanCheck.CpuAvailableBytes();
        Assert.NotNull(available);
        Assert.InRange(available!.Value, 1L << 20, 1L << 50);
        Assert.Equal(123L, MemoryPlanCheck.AvailableBytes("cuda:0", 123));
        Assert.Null(MemoryPlanCheck.AvailableBytes("cuda:0", null));
    }

    private static string Example(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                return Path.Combine(dir.FullName, "examples", "models", name);
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    }

    private static MemoryPlanInputs SevenBInputs() =>
        new()
        {
            Model = MemoryPlanModel.FromConfigFile(SevenB),
            ParameterBytes = 2,
            PromptsPerStep = 1,
            GroupSize = 8,
            ResponsesPerGeneration = 8,
            PromptTextTokens = 128,
            ImageSide = 512,
            MaxNewTokens = 2048,
            MicroBatchRows = 8,
            Device = "cuda:0",
        };
}
