using BenchmarkDotNet.Running;
using SaEI.Benchmarks;

// Benchmarks report ratios measured in one run on one machine (README "Benchmarks"). `dotnet run -c Release --project
// Benchmarks -- --list flat` lists them; `--filter '*Name*'` runs some. Console-mode macro benchmarks run once: `--
// rl-step-timing [steps] [no-eval]`, `-- sft-warm-start [default|quick]`, `-- headroom [--name value ...]` (task
// headroom, README), `-- checkpoint-load [--threads 1]`, `-- activation-checkpointing [repeats | rss on|off]`, `-- qwen
// [generation [repeats]] [rl-step [steps]]` (tiny Qwen2.5-VL), `-- device-check [--device cuda|cpu]`
// (infra/device-check.sh), `-- checkpoint-blob [GB]` (streamed checkpoint through Azurite vs local disk), `--
// memory-plan-rss tiny-vlm|tiny-qwen|small-qwen` (the memory plan against measured peak RSS), `-- dashboard-load
// [--runs 1000] [--clients 32] [--seconds 20]` (the dashboard's experiment page under load).
if (args is ["rl-step-timing", ..])
{
    RlStepTiming.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5,
        !args.Contains("no-eval")
    );
    return 0;
}
if (args.Length > 0 && args[0] == SftWarmStartBenchmark.Verb)
    return SftWarmStartBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] == CheckpointLoadBenchmark.Verb)
    return CheckpointLoadBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] == ActivationCheckpointBenchmark.Verb)
    return ActivationCheckpointBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] == QwenBenchmarks.Verb)
    return QwenBenchmarks.Run(args[1..]);
if (args.Length > 0 && args[0] == HeadroomBenchmark.Verb)
    return HeadroomBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] == MemoryPlanRss.Verb)
    return MemoryPlanRss.Run(args[1..]);
if (args.Length > 0 && args[0] == DeviceCheck.Verb)
    return DeviceCheck.Run(args[1..]);
if (args.Length > 0 && args[0] == DashboardLoadBenchmark.Verb)
    return DashboardLoadBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] == CheckpointBlobBenchmark.Verb)
    return CheckpointBlobBenchmark.Run(args[1..]);
if (args.Length > 1 && args[0] == CheckpointBlobBenchmark.ChildVerb)
    return CheckpointBlobBenchmark.Child(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
