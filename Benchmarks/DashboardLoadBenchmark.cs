using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SaEI.Dashboard;
using SaEI.Grains.Experiments;
using SaEI.Grains.Storage;

namespace SaEI.Benchmarks;

/// <summary>
/// The dashboard's experiment page under load (issue 16; target p99 &lt; 50 ms): a sweep of 1,000 runs (2 methods ×
/// 500 seeds) launched on the simulated executor and left running, the dashboard on loopback over the same silo, and
/// 32 clients each requesting GET /api/experiments/{exp} (the run table's data, polled by the page) back to back for
/// the given seconds. Prints p50/p95/p99, requests/s and the size of one answer, and the time of one uncached
/// fan-out to the 1,000 run grains (what the page cache saves).
/// `dotnet run -c Release --project Benchmarks -- dashboard-load [--runs 1000] [--clients 32] [--seconds 20]`
/// </summary>
public static class DashboardLoadBenchmark
{
    public const string Verb = "dashboard-load";

    public static int Run(string[] args)
    {
        int Option(string name, int fallback) =>
            Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length
                ? int.Parse(args[i + 1], CultureInfo.InvariantCulture)
                : fallback;
        return RunAsync(Option("--runs", 1000), Option("--clients", 32), Option("--seconds", 20))
            .GetAwaiter()
            .GetResult();
    }

    private static async Task<int> RunAsync(int runs, int clients, int seconds)
    {
        var c = CultureInfo.InvariantCulture;
        using var host = await OrchestrationHost.StartAsync(slots: 8);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        string experiment = $"dash-bench-{Guid.NewGuid():N}"[..20];
        int seeds = runs / 2;
        var launch = Stopwatch.StartNew();
        var result = await grains
            .GetGrain<IExperimentGrain>(experiment)
            .LaunchAsync(Spec(experiment, seeds), new Dictionary<string, string> { ["sim_step_ms"] = "50" });
        Console.WriteLine(
            string.Create(
                c,
                $"launched {result.RunIds.Count} runs in {launch.Elapsed.TotalSeconds:0.0} s ({result.Outcome})"
            )
        );

        var fanOut = Stopwatch.StartNew();
        var status = await grains.GetGrain<IExperimentGrain>(experiment).GetStatusAsync();
        Console.WriteLine(
            string.Create(
                c,
                $"one uncached status of {status.Runs.Count} runs: {fanOut.Elapsed.TotalMilliseconds:0.0} ms"
            )
        );

        string storage = await LocalAzurite.EnsureAsync();
        var blobs = ResilientBlobStore.Connect(storage, StorageNames.DataContainer);
        await using var server = await DashboardServer.StartAsync(new DashboardOptions { Port = 0 }, grains, blobs);
        // As a browser: gzip accepted (the page's JSON is served compressed), decompressed by the client.
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
        };
        using var http = new HttpClient(handler) { BaseAddress = server.Address };
        string path = $"/api/experiments/{experiment}";
        int bytes = (await http.GetByteArrayAsync(path)).Length;
        using var raw = new HttpClient { BaseAddress = server.Address };
        using var compressed = new HttpRequestMessage(HttpMethod.Get, path);
        compressed.Headers.AcceptEncoding.ParseAdd("gzip");
        long wire = (await (await raw.SendAsync(compressed)).Content.ReadAsByteArrayAsync()).Length;

        await LoadAsync(http, path, clients, TimeSpan.FromSeconds(2)); // warm-up: JIT, connections
        var (latencies, elapsed) = await LoadAsync(http, path, clients, TimeSpan.FromSeconds(seconds));
        latencies.Sort();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        var end = await grains.GetGrain<IExperimentGrain>(experiment).GetStatusAsync();
        Console.WriteLine(
            string.Create(
                c,
                $"GET {path}: {latencies.Count} requests, {clients} clients, {elapsed.TotalSeconds:0.0} s, "
                    + $"{latencies.Count / elapsed.TotalSeconds:0} requests/s, {bytes / 1024.0:0.0} KiB each "
                    + $"({wire / 1024.0:0.0} KiB gzip on the wire)"
            )
        );
        Console.WriteLine(
            string.Create(
                c,
                $"latency ms: p50 {P(0.50):0.00}, p95 {P(0.95):0.00}, p99 {P(0.99):0.00}, max {latencies[^1]:0.00}"
            )
        );
        Console.WriteLine(
            string.Create(
                c,
                $"runs meanwhile: {end.Count(Grains.Runs.RunState.Completed)} completed, "
                    + $"{end.Count(Grains.Runs.RunState.Running)} running, {end.Count(Grains.Runs.RunState.Pending)} "
                    + $"pending"
            )
        );
        await grains.GetGrain<IExperimentGrain>(experiment).CancelAsync();
        await host.StopAsync();
        return P(0.99) < 50 ? 0 : 1;
    }

    private static async Task<(List<double> Latencies, TimeSpan Elapsed)> LoadAsync(
        HttpClient http,
        string path,
        int clients,
        TimeSpan duration
    )
    {
        var all = new List<double>();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable
            .Range(0, clients)
            .Select(_ =>
                Task.Run(async () =>
                {
                    var mine = new List<double>();
                    // One buffer per client: reading each answer into a new array would put ~100 KB a request on the
                    // large object heap of this process, which also hosts the server, and measure the client's GC.
                    byte[] buffer = new byte[64 * 1024];
                    while (clock.Elapsed < duration)
                    {
                        long start = Stopwatch.GetTimestamp();
                        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
                        response.EnsureSuccessStatusCode();
                        await using var body = await response.Content.ReadAsStreamAsync();
                        while (await body.ReadAsync(buffer) > 0)
                        {
                            // Drain: the latency includes the whole answer.
                        }
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    return mine;
                })
            )
            .ToList();
        foreach (var list in await Task.WhenAll(workers))
            all.AddRange(list);
        return (all, clock.Elapsed);
    }

    private static string Spec(string experiment, int seeds) =>
        $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/tiny-vlm-sft }
            data:
              train: { format: synthetic, task: all, split: train, size: 40, seed: 1 }
              test:  { name: synth-test, format: synthetic, task: all, split: test, size: 20, seed: 1 }
            seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
            steps: 20
            methods:
              grpo: {}
              saei: { step_size: 0.0078 }
            eval: { every: 5 }
            checkpoint: { every: 10 }
            """;
}
