using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// Issue #3: KV-cached vs full-recompute generation (default TinyVlm, one prompt, G = 8, 64 new tokens, T = 1,
/// same seed so both paths sample the same tokens) and one teacher-forced forward+backward of the mean response
/// entropy (EgAS's inner step, gradients to parameters and pixels). Ratios are relative to the uncached baseline.
/// Run: <c>dotnet run -c Release --project Benchmarks -- --filter '*GenerationBenchmarks*'</c>.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class GenerationBenchmarks
{
    private TinyVlm model = null!;
    private PromptBatch prompts = null!;
    private RolloutBatch rollout = null!;
    private readonly GenerationOptions options = new()
    {
        ResponsesPerPrompt = 8,
        Temperature = 1.0,
        MaxNewTokens = 64,
    };

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Initialize(1);
        model = TinyVlm.Create(new TinyVlmConfig(), seed: 1, CPU);
        model.SetTraining(false);
        using var generator = new Generator(5, CPU);
        var image = rand([3, model.Config.ImageSize, model.Config.ImageSize], generator: generator);
        prompts = PromptBatch.Create(model, [image], ["How many red squares are in the picture?"]);
        image.Dispose();
        rollout = Generate(useKvCache: true);
        Console.WriteLine(
            $"// prompt tokens {prompts.InputIds.shape[1]}, rows {rollout.Count}, decoding steps "
                + $"{rollout.ResponseIds.shape[1]}, "
                + $"response tokens {rollout.ResponseMask.sum().item<long>()}, parameters "
                + $"{model.Info.ParameterCount}, {TorchRuntime.Describe()}"
        );
    }

    [Benchmark(Baseline = true, Description = "generate uncached (full recompute)")]
    public long GenerateUncached()
    {
        using var batch = Generate(useKvCache: false);
        return batch.ResponseIds.shape[1];
    }

    [Benchmark(Description = "generate KV-cached")]
    public long GenerateCached()
    {
        using var batch = Generate(useKvCache: true);
        return batch.ResponseIds.shape[1];
    }

    [Benchmark(Description = "teacher-forced entropy forward+backward")]
    public double TeacherForcedForwardBackward()
    {
        using var scope = NewDisposeScope();
        model.zero_grad();
        var images = rollout.Images.WithPixels(rollout.Images.Pixels.detach().requires_grad_(true));
        using var scores = TeacherForcing.Score(
            model,
            images,
            rollout.PromptIds,
            rollout.PromptMask,
            rollout.ResponseIds,
            rollout.ResponseMask,
            1.0,
            true
        );
        var mask = rollout.ResponseMask.to_type(float32);
        var meanEntropy = (scores.Entropy!.sum(1) / mask.sum(1).clamp_min(1)).mean();
        meanEntropy.backward();
        return meanEntropy.item<float>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        rollout.Dispose();
        prompts.Dispose();
        model.Dispose();
    }

    private RolloutBatch Generate(bool useKvCache)
    {
        using var generator = new Generator(11, CPU);
        return Generation.Generate(model, prompts, options, generator, useKvCache);
    }

    private sealed class ShortInProcessConfig : ManualConfig
    {
        public ShortInProcessConfig() =>
            AddJob(
                Job.Default.WithLaunchCount(1)
                    .WithWarmupCount(1)
                    .WithIterationCount(3)
                    .WithToolchain(InProcessEmitToolchain.Instance)
            );
    }
}
