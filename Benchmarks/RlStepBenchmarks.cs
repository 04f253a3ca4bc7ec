using System.Globalization;
using BenchmarkDotNet.Attributes;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// SaEI's RL step cost over GRPO's at equal total responses (ALGORITHM.md §3 cost note; issue #4 target ≤ 1.25):
/// GRPO samples G = 8 on the clean image, SaEI 4 + 4 (clean, then on the EgAS image). Default TinyVlm (64×64,
/// ~1.9 M parameters), 4 prompts of the synthetic counting task, 48 new tokens, KL on (reference pass), one thread.
/// `dotnet run -c Release --project Benchmarks -- --filter '*RlStep*'` runs BenchmarkDotNet;
/// `dotnet run -c Release --project Benchmarks -- rl-step-timing [steps]` prints the per-phase breakdown instead.
/// </summary>
[MemoryDiagnoser(false)]
public class RlStepBenchmarks
{
    private RlStepSetup? setup;

    [Params(RlMethod.Grpo, RlMethod.Saei)]
    public RlMethod Method { get; set; }

    [GlobalSetup]
    public void Setup() => setup = new RlStepSetup(Method);

    [GlobalCleanup]
    public void Cleanup() => setup?.Dispose();

    [Benchmark]
    public IReadOnlyDictionary<string, double> Step() => setup!.Trainer.Step();
}

/// <summary>One method's trainer on the benchmark's model and data.</summary>
public sealed class RlStepSetup : IDisposable
{
    private readonly IPolicyModel policy, reference;

    public RlStepSetup(RlMethod method)
    {
        TorchRuntime.Initialize(1);
        var config = new TinyVlmConfig();
        policy = PolicyModelFactory.CreateTiny(config, seed: 1, CPU);
        reference = PolicyModelFactory.CreateTiny(config, seed: 1, CPU);
        var problems = new SyntheticTask(new SyntheticTaskOptions { Families = [SyntheticFamily.Counting], Seed = 1 }).Generate(32);
        var options = new RlOptions { Method = method, GroupSize = 8, PromptsPerStep = 4, MiniBatchPrompts = 2, MaxNewTokens = 48 };
        Trainer = new RlTrainer(policy, reference, options, problems, totalSteps: 60, seed: 1, config.ImageSize);
    }

    public RlTrainer Trainer { get; }

    public void Dispose()
    {
        Trainer.Dispose();
        policy.Dispose();
        reference.Dispose();
    }
}

/// <summary>The console timing mode: mean seconds per phase over a few steps for GRPO and SaEI, and the ratio.</summary>
public static class RlStepTiming
{
    private static readonly string[] Phases =
    [
        RlStepMetrics.TimingGeneration, RlStepMetrics.TimingAttack, RlStepMetrics.TimingOld, RlStepMetrics.TimingRef,
        RlStepMetrics.TimingAdvantage, RlStepMetrics.TimingUpdate, RlStepMetrics.TimingStep,
    ];

    public static void Run(int steps)
    {
        var means = new Dictionary<RlMethod, Dictionary<string, double>>();
        foreach (var method in (RlMethod[])[RlMethod.Grpo, RlMethod.Saei])
        {
            using var setup = new RlStepSetup(method);
            setup.Trainer.Step();                                                     // warm-up, not timed
            var runs = Enumerable.Range(0, steps).Select(_ => setup.Trainer.Step()).ToArray();
            means[method] = Phases.ToDictionary(p => p, p => runs.Average(r => r[p]));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"phase",-18}{"GRPO 8",10}{"SaEI 4+4",10}"));
        foreach (string phase in Phases)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase,-18}{means[RlMethod.Grpo][phase],10:F3}{means[RlMethod.Saei][phase],10:F3}"));
        double ratio = means[RlMethod.Saei][RlStepMetrics.TimingStep] / means[RlMethod.Grpo][RlStepMetrics.TimingStep];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SaEI/GRPO step time ratio: {ratio:F3} (target ≤ 1.25), {steps} steps each, {TorchRuntime.Describe()}"));
    }
}
