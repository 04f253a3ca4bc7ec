using BenchmarkDotNet.Running;
using SaEI.Benchmarks;

// Benchmarks report ratios measured in one run on one machine (README "Benchmarks").
// `dotnet run -c Release --project Benchmarks -- --list flat` lists them; `--filter '*Name*'` runs some.
if (args is ["rl-step-timing", ..])
    RlStepTiming.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5, !args.Contains("no-eval"));
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
