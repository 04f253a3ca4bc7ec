using BenchmarkDotNet.Attributes;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// SaEI's RL step cost over GRPO's at equal total responses (docs/algorithm.md §3.6; issue #4 target ≤ 1.25):
/// GRPO samples G = 8 on the clean image, SaEI 4 + 4 (clean, then on the EgAS image). Default TinyVlm (64×64,
/// ~1.9 M parameters), 4 prompts of the synthetic counting task, 48 new tokens, KL on (reference pass), one thread.
/// `dotnet run -c Release --project Benchmarks -- --filter '*RlStep*'` runs BenchmarkDotNet;
/// `dotnet run -c Release --project Benchmarks -- rl-step-timing [steps] [no-eval]` prints the per-phase breakdown
/// instead (no-eval: evaluate_attack false, without the attack/objective_after forward).
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
    private readonly IPolicyModel policy,
        reference;

    public RlStepSetup(RlMethod method, bool evaluateAttack = true)
        : this(
            Tiny(),
            Tiny(),
            new RlOptions
            {
                Method = method,
                GroupSize = 8,
                PromptsPerStep = 4,
                MiniBatchPrompts = 2,
                MaxNewTokens = 48,
                EvaluateAttack = evaluateAttack,
            },
            new SyntheticTask(new SyntheticTaskOptions { Families = [SyntheticFamily.Counting], Seed = 1 }).Generate(32)
        ) { }

    /// <summary>A trainer over the given policy and its frozen reference copy (both owned from here on).</summary>
    public RlStepSetup(
        IPolicyModel policy,
        IPolicyModel reference,
        RlOptions options,
        IReadOnlyList<VisualProblem> problems
    )
    {
        this.policy = policy;
        this.reference = reference;
        Trainer = new RlTrainer(policy, reference, options, problems, totalSteps: 60, seed: 1);
    }

    private static IPolicyModel Tiny()
    {
        TorchRuntime.Initialize(1);
        return PolicyModelFactory.CreateTiny(new TinyVlmConfig(), seed: 1, CPU);
    }

    public RlTrainer Trainer { get; }

    public void Dispose()
    {
        Trainer.Dispose();
        policy.Dispose();
        reference.Dispose();
    }
}

/// <summary>
/// The console timing mode: GRPO and SaEI steps interleaved (so both see the same machine load), the median of each
/// phase's wall time, and the ratio of both wall time and process CPU time per step (CPU time is the robust number
/// on a shared machine: one intra-op thread, so it is the work done).
/// </summary>
public static class RlStepTiming
{
    private static readonly string[] Phases =
    [
        RlStepMetrics.TimingGeneration,
        RlStepMetrics.TimingAttack,
        RlStepMetrics.TimingOld,
        RlStepMetrics.TimingRef,
        RlStepMetrics.TimingAdvantage,
        RlStepMetrics.TimingUpdate,
        RlStepMetrics.TimingStep,
    ];

    public static void Run(int steps, bool evaluateAttack = true) =>
        Run(steps, method => new RlStepSetup(method, evaluateAttack), $"evaluate_attack {evaluateAttack}");

    /// <summary>The timing loop over any model: <paramref name="createSetup"/> builds one method's trainer.</summary>
    public static void Run(int steps, Func<RlMethod, RlStepSetup> createSetup, string description)
    {
        ArgumentNullException.ThrowIfNull(createSetup);
        RlMethod[] methods = [RlMethod.Grpo, RlMethod.Saei];
        var setups = methods.ToDictionary(m => m, createSetup);
        var runs = methods.ToDictionary(m => m, _ => new List<IReadOnlyDictionary<string, double>>());
        var cpu = methods.ToDictionary(m => m, _ => new List<double>());
        try
        {
            foreach (var method in methods)
                setups[method].Trainer.Step(); // warm-up, not timed
            for (int i = 0; i < steps; i++)
            {
                foreach (var method in methods)
                {
                    var before = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                    runs[method].Add(setups[method].Trainer.Step());
                    cpu[method]
                        .Add((System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds);
                }
            }
        }
        finally
        {
            foreach (var setup in setups.Values)
                setup.Dispose();
        }
        Console.WriteLine(Line($"{"median wall (s)", -18}{"GRPO 8", 10}{"SaEI 4+4", 10}"));
        foreach (string phase in Phases)
            Console.WriteLine(
                Line(
                    $"{phase, -18}{Median(runs[RlMethod.Grpo].Select(r => r[phase])), 10:F3}"
                        + $"{Median(runs[RlMethod.Saei].Select(r => r[phase])), 10:F3}"
                )
            );
        // equal work? (tokens)
        foreach (string length in (string[])[RlStepMetrics.ResponseLengthMean, RlStepMetrics.ResponseLengthMax])
            Console.WriteLine(
                Line(
                    $"{length, -18}{Median(runs[RlMethod.Grpo].Select(r => r[length])), 10:F1}"
                        + $"{Median(runs[RlMethod.Saei].Select(r => r[length])), 10:F1}"
                )
            );
        Console.WriteLine(
            Line($"{"cpu_s/step", -18}{Median(cpu[RlMethod.Grpo]), 10:F3}{Median(cpu[RlMethod.Saei]), 10:F3}")
        );
        double wallRatio =
            Median(runs[RlMethod.Saei].Select(r => r[RlStepMetrics.TimingStep]))
            / Median(runs[RlMethod.Grpo].Select(r => r[RlStepMetrics.TimingStep]));
        double cpuRatio = Median(cpu[RlMethod.Saei]) / Median(cpu[RlMethod.Grpo]);
        Console.WriteLine(
            Line(
                $"SaEI/GRPO step ratio: wall {wallRatio:F3}, cpu {cpuRatio:F3} (target ≤ 1.25); {steps} interleaved "
                    + $"steps each, {description}, {TorchRuntime.Describe()}"
            )
        );
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Line(InvariantText text) => text.ToStringAndClear();
}
