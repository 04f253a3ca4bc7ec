using System.Diagnostics;
using System.Globalization;
using SaEI.Gpu.Training.Sft;

namespace SaEI.Benchmarks;

/// <summary>
/// Macro benchmark of the SFT warm start (issue #5), console mode, one run:
/// <c>dotnet run -c Release --project Benchmarks -- sft-warm-start [default|quick] [--threads 2] [--out DIR]</c>.
/// Prints the wall time, the base pass@1 (T = 0.6, top-p 0.95, k samples) and the format rate, checks them against
/// the targets (default: ≤ 300 s, pass@1 in [0.2, 0.6]; quick: ≤ 60 s, pass@1 in (0, 1)), and prints the process
/// CPU time and the load average, so that a run slowed by other processes on the cores can be recognised:
/// on idle cores the wall time is about CPU time / threads.
/// </summary>
public static class SftWarmStartBenchmark
{
    public const string Verb = "sft-warm-start";

    public static int Run(string[] args)
    {
        string preset = "default",
            output = Path.Combine(Path.GetTempPath(), "saei-sft-warm-start");
        int threads = 2;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads":
                    threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--out":
                    output = args[++i];
                    break;
                default:
                    preset = args[i];
                    break;
            }
        }
        var options = SftOptions.Preset(preset);
        (double maxSeconds, double minPass, double maxPass) =
            options.Name == "quick" ? (60.0, 1e-9, 1 - 1e-9) : (300.0, 0.2, 0.6);
        Console.WriteLine(
            $"SFT warm start '{options.Name}': {options.Steps} steps × {options.BatchSize}, lr "
                + $"{options.LearningRate}, threads {threads}, load average {LoadAverage()}"
        );

        var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = SftWarmStart.Run(
            options,
            Path.Combine(output, options.Name),
            threads,
            Path.Combine(output, options.Name + "-generations.jsonl"),
            step =>
            {
                if (step.Step % 25 == 0 || step.Step == options.Steps - 1)
                    Console.WriteLine(
                        $"  step {step.Step, 4} loss {step.Loss:0.0000} lr {step.LearningRate:0.00000} t "
                            + $"{clock.Elapsed.TotalSeconds:0.0}s"
                    );
            }
        );
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;

        var scores = result.Base!.Overall;
        Console.WriteLine(result.Base.Summary());
        foreach (var (family, familyScores) in result.Base.Families)
            Console.WriteLine(
                $"  {family}: pass@1 {familyScores.Pass1:0.000}, format {familyScores.FormatRate:0.000} "
                    + $"(n={familyScores.Problems})"
            );
        Console.WriteLine(
            $"wall time {wall:0.0} s (train {result.TrainSeconds:0.0} s, evaluation {result.EvaluationSeconds:0.0} "
                + $"s); CPU time {cpu:0.0} s; load average {LoadAverage()}"
        );
        Console.WriteLine(
            $"model: {result.ModelDirectory} "
                + $"({string.Join(", ", result.Files.Select(f => $"{f.Key} {f.Value.Length} B"))})"
        );
        bool timeOk = wall <= maxSeconds,
            passOk = scores.Pass1 >= minPass && scores.Pass1 <= maxPass;
        Console.WriteLine(
            $"target: wall ≤ {maxSeconds} s {(timeOk ? "met" : "MISSED")}; base pass@1 in [{minPass:0.##}, "
                + $"{maxPass:0.##}] {(passOk ? "met" : "MISSED")}"
        );
        return timeOk && passOk ? 0 : 1;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
