using System.Diagnostics;
using System.Globalization;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// Issue 13 benchmark: the time of one training forward + backward of a small random Qwen2.5-VL with activation
/// checkpointing ÷ without (target ≤ 1.4).
/// <c>dotnet run -c Release --project Benchmarks -- activation-checkpointing [repeats]</c> (default 5);
/// <c>... activation-checkpointing rss on|off</c> runs two steps of one variant and prints the process's peak RSS
/// (VmHWM; run each variant in its own process to compare).
/// Decisions:
/// 1. The small config: decoder 4 layers, hidden 256, 8 heads / 4 KV heads; vision depth 4, hidden 128 (full attention
///    in blocks 1 and 3); 2 rows of 384 tokens, each with one 112×112 image (16 placeholders). Float32, one thread.
/// 2. The step is forward, a log-softmax loss over every position and backward (no optimizer: AdamW costs the same
///    with or without checkpointing, so leaving it out gives the stricter ratio).
/// 3. The two variants alternate within each repeat after one warm-up of each; the median of each is reported.
/// </summary>
public static class ActivationCheckpointBenchmark
{
    public const string Verb = "activation-checkpointing";
    private const int Rows = 2,
        Tokens = 384,
        ImageSide = 112;

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool rss = args is ["rss", ..];
        int repeats =
            rss ? 2
            : args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture)
            : 5;
        TorchRuntime.Initialize(1);
        var config = SmallConfig();
        using var model = Qwen25VlModel.Create(config, seed: 1, ScalarType.Float32, CPU);
        model.train();
        using var generator = new Generator(2, CPU);
        using var images = ImageBatch.Uniform(rand([Rows, 3, ImageSide, ImageSide], generator: generator));
        using var inputIds = InputIds(config, generator);
        using var attentionMask = ones([Rows, Tokens], ScalarType.Int64);

        double Step(bool checkpointing)
        {
            model.ActivationCheckpointing = checkpointing;
            model.zero_grad();
            var watch = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
                model.Forward(images, inputIds, attentionMask).log_softmax(-1).mean().backward(); // [N,T,V] → scalar
            return watch.Elapsed.TotalMilliseconds;
        }

        if (rss)
        {
            bool on = args is [_, "on", ..];
            for (int i = 0; i < repeats; i++)
                Step(on);
            string peak =
                File.ReadLines("/proc/self/status")
                    .FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
                ?? "VmHWM: unknown";
            Console.WriteLine(
                $"activation checkpointing {(on ? "on" : "off")}: {repeats} steps, peak RSS "
                    + $"{peak["VmHWM:".Length..].Trim()}"
            );
            return 0;
        }
        Step(false);
        Step(true);
        long recomputedBefore = ActivationCheckpoint.Recomputations;
        var plain = new List<double>();
        var checkpointed = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            plain.Add(Step(false));
            checkpointed.Add(Step(true));
        }
        long recomputed = ActivationCheckpoint.Recomputations - recomputedBefore;
        double plainMedian = Median(plain),
            checkpointedMedian = Median(checkpointed),
            ratio = checkpointedMedian / plainMedian;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"activation checkpointing: small Qwen2.5-VL (decoder {config.NumHiddenLayers}×{config.HiddenSize}, "
                    + $"vision {config.Vision.Depth}×{config.Vision.HiddenSize}), {Rows} rows × {Tokens} tokens, 1 "
                    + $"thread, {repeats} repeats"
            )
        );
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"  forward+backward median: without {plainMedian:F1} ms, with {checkpointedMedian:F1} ms; ratio "
                    + $"{ratio:F3} (target ≤ 1.4); blocks recomputed per step {recomputed / (double)repeats:F0}"
            )
        );
        return ratio <= 1.4 ? 0 : 1;
    }

    private static Qwen25VlConfig SmallConfig()
    {
        var tiny = TinyQwen.Config();
        return tiny with
        {
            HiddenSize = 256,
            IntermediateSize = 512,
            NumHiddenLayers = 4,
            NumAttentionHeads = 8,
            NumKeyValueHeads = 4,
            MropeSection = [4, 6, 6],
            Vision = tiny.Vision with { HiddenSize = 128, IntermediateSize = 256, NumHeads = 4, OutHiddenSize = 256 },
        };
    }

    /// <summary>[N,T] int64: random text ids below the special tokens with vision_start, 16 image placeholders and
    /// vision_end after 8 tokens.</summary>
    private static Tensor InputIds(Qwen25VlConfig config, Generator generator)
    {
        using var scope = NewDisposeScope();
        int placeholders =
            ImageSide
            / config.Vision.PatchSize
            * (ImageSide / config.Vision.PatchSize)
            / (config.Vision.SpatialMergeSize * config.Vision.SpatialMergeSize);
        var ids = randint(0, 256, [Rows, Tokens], ScalarType.Int64, generator: generator); // [N,T]
        using (no_grad())
        {
            ids[TensorIndex.Colon, TensorIndex.Single(8)].fill_(config.VisionStartTokenId.ToScalar());
            ids[TensorIndex.Colon, TensorIndex.Slice(9, 9 + placeholders)].fill_(config.ImageTokenId.ToScalar());
            ids[TensorIndex.Colon, TensorIndex.Single(9 + placeholders)].fill_(config.VisionEndTokenId.ToScalar());
        }
        return ids.MoveToOuterDisposeScope();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
