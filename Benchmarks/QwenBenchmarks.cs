using System.Globalization;
using SaEI.Gpu.Training;

namespace SaEI.Benchmarks;

/// <summary>
/// The console verb for the Qwen2.5-VL benchmarks (issue 12) on the tiny random model of <see cref="TinyQwen"/>:
/// <c>dotnet run -c Release --project Benchmarks -- qwen [generation [repeats]] [rl-step [steps] [no-eval]]</c> (no
/// part named: both, 3 repeats and 5 steps; no-eval: evaluate_attack false, without the attack/objective_after
/// forward).
/// <list type="number">
/// <item>generation: KV-cached vs full-recompute sampling (<see cref="QwenGenerationTiming"/>), target ≥ 10×.</item>
/// <item>rl-step: the SaEI (4 clean + 4 EgAS) over GRPO (8 clean) step time with the per-phase breakdown
///   (<see cref="RlStepTiming"/>), target ≤ 1.25: 3 prompts a step, one each of 56×84, 84×56 and 112×112 (the same
///   three every step), 48 new tokens, KL on, evaluate_attack on, as the TinyVlm benchmark. A random model samples
///   vision placeholders too; the policy treats those in a response as text (one image per row).</item>
/// </list>
/// </summary>
public static class QwenBenchmarks
{
    public const string Verb = "qwen";

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool all = !args.Contains("generation") && !args.Contains("rl-step");
        if (all || args.Contains("generation"))
            QwenGenerationTiming.Run(CountAfter(args, "generation", 3));
        if (all || args.Contains("rl-step"))
        {
            var problems = TinyQwen.MixedSizeProblems(3, seed: 1);
            bool evaluateAttack = !args.Contains("no-eval");
            RlStepTiming.Run(
                CountAfter(args, "rl-step", 5),
                method => new RlStepSetup(
                    TinyQwen.CreatePolicy(seed: 1),
                    TinyQwen.CreatePolicy(seed: 1),
                    new RlOptions
                    {
                        Method = method,
                        GroupSize = 8,
                        PromptsPerStep = 3,
                        MiniBatchPrompts = 3,
                        MaxNewTokens = 48,
                        EvaluateAttack = evaluateAttack,
                    },
                    problems
                ),
                $"tiny Qwen2.5-VL, 3 prompts/step (56×84, 84×56, 112×112), 48 new tokens, evaluate_attack "
                    + $"{evaluateAttack}"
            );
        }
        return 0;
    }

    /// <summary>The number after <paramref name="part"/> in the arguments, or <paramref name="fallback"/>.</summary>
    private static int CountAfter(string[] args, string part, int fallback)
    {
        int at = Array.IndexOf(args, part);
        return
            at >= 0
            && at + 1 < args.Length
            && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            && count > 0
            ? count
            : fallback;
    }
}
