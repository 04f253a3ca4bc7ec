using BenchmarkDotNet.Running;

// Benchmarks report ratios measured in one run on one machine (README "Benchmarks").
// `dotnet run -c Release --project Benchmarks -- --list flat` lists them; `--filter '*Name*'` runs some.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
