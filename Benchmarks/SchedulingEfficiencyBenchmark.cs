using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;
using SaEI.Grains.Experiments;
using SaEI.Grains.Workers;
using IHost = Microsoft.Extensions.Hosting.IHost;

namespace SaEI.Benchmarks;

/// <summary>
/// Scheduling efficiency (issue #6): a 1,000-run sweep of simulated steps (fixed duration, no tensors) over 16 slots
/// in one process. Ideal wall time = runs × steps × step duration / slots; efficiency = ideal / measured, printed
/// after each iteration (target ≥ 90%). The clock stops when the worker has finished 1,000 attempts.
/// `dotnet run -c Release --project Benchmarks -- --filter '*SchedulingEfficiency*'`
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class SchedulingEfficiencyBenchmark
{
    private const int Slots = 16;
    private const int Steps = 10;
    private const int StepMilliseconds = 25;
    private IHost host = null!;

    [GlobalSetup]
    public async Task SetupAsync() => host = await OrchestrationHost.StartAsync(Slots);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }

    [Benchmark]
    public async Task<double> Sweep1000Runs()
    {
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        string workerId = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
        var worker = grains.GetGrain<IGpuWorkerGrain>(workerId);
        int before = (await worker.GetInfoAsync()).CompletedAttempts;
        string experiment = $"bench-{Guid.NewGuid():N}"[..18];
        var clock = Stopwatch.StartNew();
        var launched = await grains
            .GetGrain<IExperimentGrain>(experiment)
            .LaunchAsync(
                Spec(experiment),
                new Dictionary<string, string>
                {
                    [SimulatedRunExecutor.StepMillisecondsKey] = StepMilliseconds.ToString(
                        CultureInfo.InvariantCulture
                    ),
                }
            );
        var launch = clock.Elapsed;
        if (launched.RunIds.Count != 1000)
            throw new InvalidOperationException(launched.Message);
        while ((await worker.GetInfoAsync()).CompletedAttempts - before < 1000)
            await Task.Delay(20);
        clock.Stop();
        double ideal = 1000.0 * Steps * StepMilliseconds / Slots / 1000.0;
        double efficiency = ideal / clock.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"// scheduling: 1000 runs × {Steps} steps × {StepMilliseconds} ms over {Slots} slots: wall "
                + $"{clock.Elapsed.TotalSeconds:0.00} s, ideal {ideal:0.00} s, efficiency {efficiency:P1} (launch of "
                + $"the 1,000 runs: {launch.TotalSeconds:0.00} s of the wall time)"
        );
        return efficiency;
    }

    /// <summary>2 methods × 50 learning rates × 10 seeds = 1,000 runs.</summary>
    private static string Spec(string experiment) =>
        $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/tiny-vlm-sft }
            data:
              train: { format: synthetic, task: all, split: train, size: 40, seed: 1 }
              test:  { name: synth-test, format: synthetic, task: all, split: test, size: 20, seed: 1 }
              ood:
                - { name: synth-hard, format: synthetic, task: all, split: test, size: 20, seed: 1, difficulty: 3 }
            seeds: [{{string.Join(", ", Enumerable.Range(1, 10))}}]
            steps: {{Steps}}
            methods:
              grpo: {}
              saei: { step_size: 0.0078 }
            grid: { learning_rate: [{{string.Join(
                ", ",
                Enumerable.Range(1, 50).Select(i => (i * 1e-5).ToString("R", CultureInfo.InvariantCulture))
            )}}] }
            eval: { every: 5 }
            checkpoint: { every: 5 }
            """;
}
