using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;
using SaEI.Grains.Leaderboards;
using IHost = Microsoft.Extensions.Hosting.IHost;

namespace SaEI.Benchmarks;

/// <summary>
/// Leaderboard query throughput and p99 latency (issue #6; target ≥ 2,000 queries/s): 20,000 queries, 64 in flight,
/// against a leaderboard of 900 runs (10 methods × 10 configs × 3 seeds × 3 benchmarks), alternating whole-table
/// and one-benchmark queries. Printed after each iteration.
/// `dotnet run -c Release --project Benchmarks -- --filter '*LeaderboardQuery*'`
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class LeaderboardQueryBenchmark
{
    private const int Queries = 20_000;
    private const int InFlight = 64;
    private IHost host = null!;
    private ILeaderboardGrain leaderboard = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        host = await OrchestrationHost.StartAsync(slots: 1);
        leaderboard = host
            .Services.GetRequiredService<IGrainFactory>()
            .GetGrain<ILeaderboardGrain>($"bench-{Guid.NewGuid():N}"[..18]);
        var random = new Random(1);
        for (int m = 0; m < 10; m++)
        for (int c = 0; c < 10; c++)
        for (int seed = 1; seed <= 3; seed++)
            await leaderboard.RecordAsync(
                new RunScores(
                    $"m{m}-c{c}-s{seed}",
                    $"method{m}",
                    $"lr={c}",
                    seed,
                    new Dictionary<string, double>
                    {
                        ["in-domain"] = random.NextDouble(),
                        ["synth-hard"] = random.NextDouble(),
                        ["mathvista"] = random.NextDouble(),
                    }
                )
            );
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Queries)]
    public async Task<double> Query()
    {
        var latencies = new double[Queries];
        int next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            Enumerable
                .Range(0, InFlight)
                .Select(async _ =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < Queries)
                    {
                        long start = Stopwatch.GetTimestamp();
                        var rows = await leaderboard.QueryAsync(i % 2 == 0 ? null : "synth-hard");
                        if (rows.Count == 0)
                            throw new InvalidOperationException("empty leaderboard");
                        latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }
                })
        );
        clock.Stop();
        Array.Sort(latencies);
        double throughput = Queries / clock.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"// leaderboard: {throughput:0} queries/s, p50 {latencies[Queries / 2]:0.00} ms, p99 "
                + $"{latencies[(int)(Queries * 0.99)]:0.00} ms ({InFlight} in flight)"
        );
        return throughput;
    }
}
