using BenchmarkDotNet.Running;

// Benchmarks report ratios measured in one run on one machine (README "Benchmarks").
// `dotnet run -c Release --project Benchmarks -- --list flat` lists them; `--filter '*Name*'` runs some.
// Console-mode macro benchmarks run once: `-- sft-warm-start [default|quick]`.
if (args.Length > 0 && args[0] == SaEI.Benchmarks.SftWarmStartBenchmark.Verb) return SaEI.Benchmarks.SftWarmStartBenchmark.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
