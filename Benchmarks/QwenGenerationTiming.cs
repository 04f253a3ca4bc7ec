using System.Diagnostics;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Images;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// KV-cached vs full-recompute generation on the tiny Qwen2.5-VL (<see cref="TinyQwen"/>; issue 12, target ≥ 10×):
/// one EasyR1 prompt (BuildPrompt through <see cref="PromptBatch.Create"/>) on a 112×112 synthetic image, G = 8 rows,
/// 64 new tokens, T = 1, one intra-op thread.
/// Decisions:
/// 1. Both paths start from a generator with the same seed; the run checks that they sample the same tokens (same
///    response ids and mask) and prints the largest log-probability difference, so the ratio compares equal work.
/// 2. Repeats are interleaved (cached, uncached, cached, ...) so both see the same machine load; medians are
///    reported, wall and process CPU time (the robust number on a shared machine).
/// 3. One untimed cached run first (JIT, allocator warm-up).
/// </summary>
public static class QwenGenerationTiming
{
    private const int GroupSize = 8,
        MaxNewTokens = 64;

    /// <summary>Times both paths on <paramref name="device"/> (CPU by default), prints the table and returns its
    /// numbers.</summary>
    public static GenerationTimingResult Run(int repeats, Device? device = null)
    {
        using var policy = TinyQwen.CreatePolicy(seed: 1, device);
        policy.SetTraining(false);
        var problem = TinyQwen.MixedSizeProblems(3, seed: 1)[2]; // the 112×112 one
        var images = ModelInputs.ToTensors(policy, [problem.Image]);
        using var prompts = PromptBatch.Create(policy, images, [problem.Problem]);
        foreach (var image in images)
            image.Dispose();
        var options = new GenerationOptions
        {
            ResponsesPerPrompt = GroupSize,
            Temperature = 1.0,
            MaxNewTokens = MaxNewTokens,
        };

        Generate(policy, prompts, options, useKvCache: true).Batch.Dispose(); // warm-up, not timed
        var wall = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        var cpu = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        RolloutBatch? cached = null,
            uncached = null;
        try
        {
            for (int i = 0; i < repeats; i++)
            {
                foreach (bool useKvCache in (bool[])[true, false])
                {
                    var (batch, wallSeconds, cpuSeconds) = Generate(policy, prompts, options, useKvCache);
                    wall[useKvCache].Add(wallSeconds);
                    cpu[useKvCache].Add(cpuSeconds);
                    if (useKvCache)
                    {
                        cached?.Dispose();
                        cached = batch;
                    }
                    else
                    {
                        uncached?.Dispose();
                        uncached = batch;
                    }
                }
            }
            return Report(policy, prompts, cached!, uncached!, wall, cpu, repeats);
        }
        finally
        {
            cached?.Dispose();
            uncached?.Dispose();
        }
    }

    private static (RolloutBatch Batch, double Wall, double Cpu) Generate(
        Qwen25VlPolicy policy,
        PromptBatch prompts,
        GenerationOptions options,
        bool useKvCache
    )
    {
        using var generator = new Generator(11, CPU);
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        var batch = Generation.Generate(policy, prompts, options, generator, useKvCache);
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        return (batch, wall, (process.TotalProcessorTime - cpuBefore).TotalSeconds);
    }

    private static GenerationTimingResult Report(
        Qwen25VlPolicy policy,
        PromptBatch prompts,
        RolloutBatch cached,
        RolloutBatch uncached,
        Dictionary<bool, List<double>> wall,
        Dictionary<bool, List<double>> cpu,
        int repeats
    )
    {
        using var scope = NewDisposeScope();
        bool sameShape = cached.ResponseIds.shape.SequenceEqual(uncached.ResponseIds.shape);
        bool sameTokens =
            sameShape
            && cached.ResponseIds.eq(uncached.ResponseIds).all().item<bool>()
            && cached.ResponseMask.eq(uncached.ResponseMask).all().item<bool>();
        double logProbDifference = sameShape
            ? (cached.LogProbs - uncached.LogProbs).abs().max().item<float>()
            : double.NaN;
        long responseTokens = cached.ResponseMask.sum().item<long>();
        Console.WriteLine(
            Line(
                $"tiny Qwen2.5-VL: {policy.Info.ParameterCount} parameters; prompt {prompts.InputIds.shape[1]} tokens "
            )
                + Line(
                    $"(image {prompts.Images.Sizes[0].Width}×{prompts.Images.Sizes[0].Height}, "
                        + $"{policy.ImageTokenCount(prompts.Images.Sizes[0])} image tokens); "
                )
                + Line(
                    $"G {GroupSize}, max_new_tokens {MaxNewTokens}, decoding steps {cached.ResponseIds.shape[1]}, "
                        + $"response tokens {responseTokens}"
                )
        );
        Console.WriteLine(
            Line($"same tokens in both paths: {(sameTokens ? "yes" : "NO")} (max |Δ logπ| {logProbDifference:E2})")
        );
        Console.WriteLine(Line($"{"median (s)", -14}{"wall", 10}{"cpu", 10}"));
        Console.WriteLine(Line($"{"KV cache", -14}{Median(wall[true]), 10:F3}{Median(cpu[true]), 10:F3}"));
        Console.WriteLine(Line($"{"recompute", -14}{Median(wall[false]), 10:F3}{Median(cpu[false]), 10:F3}"));
        Console.WriteLine(
            Line(
                $"recompute/cached ratio: wall {Median(wall[false]) / Median(wall[true]):F1}×, cpu "
                    + $"{Median(cpu[false]) / Median(cpu[true]):F1}× "
            ) + Line($"(target ≥ 10×); {repeats} interleaved repeats, {TorchRuntime.Describe()}")
        );
        return new GenerationTimingResult(
            Median(wall[false]) / Median(wall[true]),
            Median(wall[true]),
            responseTokens,
            sameTokens
        );
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static string Line(InvariantText text) => text.ToStringAndClear();
}

/// <summary>
/// The generation benchmark's numbers: recompute/cached wall-time ratio, the cached path's median wall seconds, the
/// response tokens it sampled, and whether both paths sampled the same tokens.
/// </summary>
public sealed record GenerationTimingResult(
    double WallRatio,
    double CachedWallSeconds,
    long ResponseTokens,
    bool SameTokens
);
