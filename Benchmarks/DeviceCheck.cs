using System.Diagnostics;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;

namespace SaEI.Benchmarks;

/// <summary>
/// The device check (issue 13) that <c>infra/device-check.sh</c> runs on a CUDA machine, after building with
/// <c>-p:TorchBackend=cuda</c>: <c>dotnet SaEI.Benchmarks.dll device-check [--device cuda] [--gpu "name, memory"]</c>.
/// It runs the same code the CPU tests run, on the device:
/// <list type="number">
/// <item>one SaEI step (2 + 2 responses, 16 new tokens, KL on, evaluate_attack on) of the tiny Qwen2.5-VL (<see
///   cref="TinyQwen"/>) on 3 mixed-size prompts, policy and reference on the device, after one warm-up step;</item>
/// <item>the <c>qwen generation</c> benchmark (<see cref="QwenGenerationTiming"/>, one repeat) on the device;</item>
/// <item>the tiny Qwen2.5-VL placed over two devices against one device (<see cref="PlacedQwenCheck"/>): max logit
///   difference, same greedy tokens, one SaEI step;</item>
/// </list>
/// and prints one summary line starting "device check:". Decisions:
/// 1. CUDA requested but not available to TorchSharp (a CPU build, no driver) is "no GPU (...)" with exit 0, as the
///    script does without nvidia-smi: the check reports what the machine can do, it does not fail a CPU machine.
/// 2. <c>--device cpu</c> runs the same check on CPU (to try the verb without a GPU).
/// 3. Any failure of a step is the summary line "device check: FAILED (...)" with exit 1; the exception follows.
/// 4. The memory-plan check of issue 13 is not part of this verb yet (the estimator is built in another slice).
/// </summary>
public static class DeviceCheck
{
    public const string Verb = "device-check";

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string deviceName = ValueAfter(args, "--device") ?? "cuda";
        string gpu = ValueAfter(args, "--gpu") ?? "unnamed GPU";
        TorchRuntime.Initialize(1);
        if (deviceName.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !torch.cuda.is_available())
        {
            Console.WriteLine($"device check: no GPU (TorchSharp reports CUDA unavailable: {TorchRuntime.Describe()})");
            return 0;
        }
        var device = TorchRuntime.ResolveDevice(deviceName);
        string stage = "SaEI step";
        try
        {
            var step = SaeiStep(device);
            stage = "qwen generation benchmark";
            var generation = QwenGenerationTiming.Run(repeats: 1, device);
            stage = "placed qwen";
            var placed = PlacedQwenCheck.Run(device);
            string where = device.type == DeviceType.CPU ? "cpu" : $"{device} ({gpu})";
            Console.WriteLine(
                QwenGenerationTiming.Line(
                    $"device check: OK on {where}: tiny Qwen2.5-VL SaEI step {step.Seconds:F2} s (pg_loss "
                        + $"{step.PgLoss:F4}, grad_norm {step.GradNorm:F3}, response length {step.ResponseLength:F1}); "
                )
                    + QwenGenerationTiming.Line(
                        $"generation KV cache {generation.CachedWallSeconds:F3} s for {generation.ResponseTokens} "
                            + $"tokens, recompute/cached {generation.WallRatio:F1}×, same tokens "
                            + $"{(generation.SameTokens ? "yes" : "NO")}; "
                    )
                    + QwenGenerationTiming.Line(
                        $"placed over {placed.Devices}: max logit difference {placed.MaxLogitDifference:G3}, "
                    )
                    + QwenGenerationTiming.Line($"same greedy tokens {(placed.SameGreedyTokens ? "yes" : "NO")}, ")
                    + QwenGenerationTiming.Line(
                        $"SaEI step pg_loss {placed.PgLoss:F4} grad_norm {placed.GradNorm:F3}; "
                            + $"{TorchRuntime.Describe()}"
                    )
            );
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine(
                $"device check: FAILED ({stage} on {device}: {e.GetType().Name}: {e.Message.Split('\n')[0]})"
            );
            Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>One warm-up and one timed SaEI step of the tiny Qwen2.5-VL on <paramref name="device"/>.</summary>
    private static (double Seconds, double PgLoss, double GradNorm, double ResponseLength) SaeiStep(torch.Device device)
    {
        var options = new RlOptions
        {
            Method = RlMethod.Saei,
            GroupSize = 4,
            PromptsPerStep = 3,
            MiniBatchPrompts = 3,
            MaxNewTokens = 16,
            EvaluateAttack = true,
        };
        using var setup = new RlStepSetup(
            TinyQwen.CreatePolicy(seed: 1, device),
            TinyQwen.CreatePolicy(seed: 1, device),
            options,
            TinyQwen.MixedSizeProblems(3, seed: 1)
        );
        setup.Trainer.Step(); // warm-up (kernels, allocator)
        long start = Stopwatch.GetTimestamp();
        var metrics = setup.Trainer.Step();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (
            seconds,
            metrics[RlStepMetrics.PgLoss],
            metrics[RlStepMetrics.GradNorm],
            metrics[RlStepMetrics.ResponseLengthMean]
        );
    }

    private static string? ValueAfter(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
