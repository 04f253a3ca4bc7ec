using System.Globalization;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

[CollectionDefinition(nameof(MemoryPlanRssTests), DisableParallelization = true)]
public sealed class MemoryPlanRssCollection;

/// <summary>
/// The memory plan against measured peak RSS on the CPU (issue 13 acceptance: within 25%). The plan counts live
/// tensor bytes, so for this test glibc maps every block of 64 KiB or more on its own and trims at 64 KiB (mallopt,
/// from before the warm-up until the end): RSS then follows live bytes. With <c>GlibcAllocator</c>'s settings
/// (32 MiB mmap threshold, 1 GiB trim) freed heap stays resident and later phases do not reuse all of it, so RSS ran
/// 1.2-2.3× the live bytes (<see cref="MemoryPlan"/> decision 5). Per config: a warm-up step (JIT, LibTorch
/// kernels), then with VmHWM reset (/proc/self/clear_refs "5") the policy, reference and trainer are built and one RL
/// step runs; measured = VmHWM − RSS before building.
/// </summary>
[Collection(nameof(MemoryPlanRssTests))]
public sealed class MemoryPlanRssTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("saei-memory-rss-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    public static TheoryData<string> Configs() => ["tiny-vlm", "tiny-qwen", "small-qwen"];

    // Measured on 2 shared cores (2026-12-02): tiny-vlm 239.1 MiB vs estimate 241.9 (1.01), tiny-qwen 129.3 vs 123.7
    // (0.96), small-qwen 656.3 vs 689.2 (1.05). Under GlibcAllocator's settings the same steps measured 314.7, 293.0
    // and 789.1 MiB: freed heap that glibc keeps resident (malloc_trim returns it; the live tensor count is unchanged).
    [Theory]
    [MemberData(nameof(Configs))]
    [Trait("Category", "Slow")]
    public void Estimated_peak_is_within_25_percent_of_measured_peak_rss(string name)
    {
        if (!File.Exists("/proc/self/clear_refs")) return;                              // Linux only
        TorchRuntime.Initialize(1);
        var (open, plan, options, problems) = Setup(name);
        long measured;
        try
        {
            Mallopt(MmapThreshold, LiveBytesMmapThreshold);                   // every block ≥ 64 KiB its own mapping
            Mallopt(TrimThreshold, LiveBytesMmapThreshold);
            Collect();
            MallocTrim(0);
            RunStep(open, options, problems);                                             // warm-up
            // The test host's other threads (GC, finalizers, xUnit) can only add to a peak, never take from the
            // step's: the smallest of three measured steps is the step's own.
            measured = long.MaxValue;
            for (int repeat = 0; repeat < 3; repeat++)
            {
                Collect();
                MallocTrim(0);                                                // freed heap back to the OS
                long before = Status("VmRSS");
                File.WriteAllText("/proc/self/clear_refs", "5");                           // VmHWM := VmRSS
                RunStep(open, options, problems);
                measured = Math.Min(measured, Status("VmHWM") - before);
            }
        }
        finally
        {
            if (TorchRuntime.AllocatorTuned)
            {
                Mallopt(MmapThreshold, 32 << 20);                             // GlibcAllocator's settings again
                Mallopt(TrimThreshold, 1 << 30);
            }
        }

        var sample = problems.Take(options.PromptsPerStep).ToList();
        using var probe = open();
        int side = sample.Max(p => Math.Max(p.Image.Width, p.Image.Height));
        int text = sample.Max(p => probe.Tokenizer.BuildPrompt(p.Problem, 1).Length - 1);
        var estimate = MemoryPlan.Estimate(MemoryPlanInputs.For(plan, options, text, side)).Policy;
        double ratio = estimate.PeakBytes / (double)measured;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {plan.Parameters:N0} parameters; measured peak RSS growth {measured / 1048576.0:F1} MiB, estimate {estimate} → ratio {ratio:F2}"));
        Assert.InRange(ratio, 0.75, 1.25);
    }

    private static void RunStep(Func<IPolicyModel> open, RlOptions options, IReadOnlyList<VisualProblem> problems)
    {
        using var policy = open();
        using var reference = open();
        using var trainer = new RlTrainer(policy, reference, options, problems, totalSteps: 2, seed: 5);
        trainer.Step();
    }

    private (Func<IPolicyModel> Open, MemoryPlanModel Plan, RlOptions Options, IReadOnlyList<VisualProblem> Problems) Setup(string name)
    {
        var options = new RlOptions { Method = RlMethod.Grpo, PromptsPerStep = 4, MiniBatchPrompts = 4, GroupSize = 8, MicroBatchResponses = 16, MaxNewTokens = 32 };
        if (name == "tiny-vlm")
        {
            var config = new TinyVlmConfig();
            return (() => TinyVlm.Create(config, 1, CPU), MemoryPlanModel.FromTiny(config), options, Problems(64, 64));
        }
        string json = name == "tiny-qwen" ? TinyQwenFolder.ConfigJson : TinyQwenFolder.ConfigJson
            .Replace("\"hidden_size\": 32,\n  \"intermediate_size\": 64,", "\"hidden_size\": 128,\n  \"intermediate_size\": 384,", StringComparison.Ordinal)
            .Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 4", StringComparison.Ordinal)
            .Replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 8", StringComparison.Ordinal)
            .Replace("\"num_key_value_heads\": 1", "\"num_key_value_heads\": 2", StringComparison.Ordinal)
            .Replace("\"out_hidden_size\": 32", "\"out_hidden_size\": 128", StringComparison.Ordinal);
        string folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        string configPath = Path.Combine(folder, "config.json");
        File.WriteAllText(configPath, json);
        Qwen25VlRandomCheckpoint.WriteWithTokenizer(configPath, folder, new Qwen25VlRandomCheckpointOptions { Seed = 7, DType = ScalarType.Float32 });
        return (() => Qwen25VlPolicy.Load(folder, CPU), MemoryPlanModel.FromConfigFile(folder), options, Problems(64, 112));
    }

    private static IReadOnlyList<VisualProblem> Problems(int count, int side)
    {
        var random = new Random(3);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var rgb = new byte[side * side * 3];
            random.NextBytes(rgb);
            return new VisualProblem($"p{i}", $"What is {i} + {i % 3}?", (i + i % 3).ToString(CultureInfo.InvariantCulture), null, new RgbImage(side, side, rgb), "test", "sum");
        })];
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private const int TrimThreshold = -1, MmapThreshold = -3, LiveBytesMmapThreshold = 64 << 10;   // M_* of <malloc.h>

    [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "mallopt", ExactSpelling = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int parameter, int value);

    [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "malloc_trim", ExactSpelling = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);

    /// <summary>A /proc/self/status field in bytes (VmRSS, VmHWM are in kB).</summary>
    private static long Status(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
