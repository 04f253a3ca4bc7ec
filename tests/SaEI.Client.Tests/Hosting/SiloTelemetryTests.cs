using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using SaEI.Client.Tests.Commands;
using SaEI.Gpu.Training;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Client.Tests.Hosting;

/// <summary>
/// Metrics and traces of a real silo (`saei silo` in-process, simulated executor, Azurite): a short sweep scraped from
/// the Prometheus endpoint, the step spans, the Orleans dashboard, and the settings that keep them off or refuse them.
/// The collection runs alone: the training meter and the activity source are process-wide, so a sweep of another test
/// running beside it would add to the counts this test asserts exactly.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class SiloTelemetryTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_scrape_after_a_short_sweep_has_runs_steps_phase_times_and_an_empty_queue()
    {
        await Azurite.EnsureRunningAsync();
        int metricsPort = Ports.Free();
        var (silo, gatewayPort) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new("Saei:Metrics:PrometheusPort", metricsPort.ToString(CultureInfo.InvariantCulture)),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
        try
        {
            const int Runs = 4,
                Steps = 3; // 2 methods × 2 seeds
            await LaunchAndWatchAsync(gatewayPort, experiment => TestSpecs.Spec(experiment, Steps, seeds: 2));

            string scrape = "";
            await Eventually.HoldsAsync(
                async () =>
                {
                    scrape = await Http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
                    return Sum(scrape, "saei_runs_transitions_total", "state=\"completed\"") == Runs;
                },
                TimeSpan.FromSeconds(30),
                $"{Runs} runs counted as completed in the scrape"
            );

            Assert.True(Sum(scrape, "saei_runs_transitions_total", "state=\"pending\"") == Runs, scrape);
            Assert.True(Sum(scrape, "saei_runs_transitions_total", "state=\"running\"") == Runs, scrape);
            Assert.True(Sum(scrape, "saei_runs", "state=\"completed\"") == Runs, scrape);
            Assert.True(Sum(scrape, "saei_runs", "state=\"running\"") == 0, scrape);
            Assert.True(Sum(scrape, "saei_steps_total", "") == Runs * Steps, scrape);
            Assert.True(Sum(scrape, "saei_steps_total", "method=\"saei\"") == Runs / 2 * Steps, scrape);
            // Every step has the simulated work and a report; checkpoints every 3 steps (and at the last).
            const string Phases = "saei_step_phase_duration_seconds";
            Assert.True(Sum(scrape, $"{Phases}_count", "phase=\"simulated\"") == Runs * Steps, scrape);
            Assert.True(Sum(scrape, $"{Phases}_count", "phase=\"report\"") == Runs * Steps, scrape);
            Assert.True(Sum(scrape, $"{Phases}_count", "phase=\"checkpoint\"") == Runs, scrape);
            Assert.True(Sum(scrape, $"{Phases}_sum", "phase=\"simulated\"") > 0, scrape);
            Assert.True(Sum(scrape, "saei_scheduler_queue_length", "") == 0, scrape);
            // Every failure kind is scraped from the start, at 0 here (no restarts).
            Assert.Contains("saei_runs_restarts_total{", scrape, StringComparison.Ordinal);
            Assert.Contains("kind=\"worker_lost\"", scrape, StringComparison.Ordinal);
            Assert.True(Sum(scrape, "saei_runs_restarts_total", "") == 0, scrape);
            Assert.True(Sum(scrape, "saei_storage_circuit_open", "") == 0, scrape);
        }
        finally
        {
            await silo.StopAsync();
            silo.Dispose();
        }
    }

    [Fact]
    public async Task A_step_is_a_span_with_one_child_span_per_phase()
    {
        await Azurite.EnsureRunningAsync();
        var spans = new System.Collections.Concurrent.ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TrainingTelemetry.Name,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var (silo, gatewayPort) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
        try
        {
            await LaunchAndWatchAsync(gatewayPort, OneGrpoRun);
        }
        finally
        {
            await silo.StopAsync();
            silo.Dispose();
        }

        // The collection runs alone, so every step span is of this sweep's one run.
        var steps = spans.Where(s => s.OperationName == TrainingTelemetry.StepActivityName).ToList();
        var run = Assert.Single(steps.GroupBy(s => s.GetTagItem("saei.run_id") as string));
        Assert.Equal([1, 2, 3], run.Select(s => (int)s.GetTagItem("saei.step")!).Order());
        Assert.All(run, s => Assert.Equal("grpo", s.GetTagItem("saei.method")));
        foreach (var step in run)
        {
            var children = spans
                .Where(s => s.ParentSpanId == step.SpanId && s.TraceId == step.TraceId)
                .Select(s => s.OperationName)
                .Order(StringComparer.Ordinal)
                .ToList();
            string[] expected =
                (int)step.GetTagItem("saei.step")! == 3
                    ? ["checkpoint", "report", "simulated"]
                    : ["report", "simulated"];
            Assert.Equal(expected, children);
        }
    }

    [Fact]
    public async Task An_OTLP_collector_receives_the_step_traces_and_the_metrics()
    {
        await Azurite.EnsureRunningAsync();
        // A stand-in collector: records the paths of the OTLP/HTTP posts (protobuf bodies, not decoded here).
        int port = Ports.Free();
        using var collector = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/" } };
        collector.Start();
        var posts = new System.Collections.Concurrent.ConcurrentBag<string>();
        var serving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (HttpListenerException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                if (context.Request.HttpMethod == "POST" && context.Request.ContentLength64 > 0)
                    posts.Add(context.Request.Url!.AbsolutePath);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        var (silo, gatewayPort) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new("Saei:Metrics:OtlpEndpoint", $"http://127.0.0.1:{port}"),
            new("Saei:Metrics:OtlpProtocol", "http/protobuf"),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
        try
        {
            await LaunchAndWatchAsync(gatewayPort, OneGrpoRun);
            // Spans are exported in batches every 5 s.
            await Eventually.HoldsAsync(
                () => Task.FromResult(posts.Contains("/v1/traces")),
                TimeSpan.FromSeconds(30),
                "the step spans posted to /v1/traces"
            );
        }
        finally
        {
            await silo.StopAsync();
            silo.Dispose(); // the meter provider exports once more when it is disposed
        }
        Assert.Contains("/v1/metrics", posts);
        collector.Stop();
        await serving;
    }

    [Fact]
    public async Task Metrics_and_the_Orleans_dashboard_are_off_by_default()
    {
        await Azurite.EnsureRunningAsync();
        var (silo, _) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
        try
        {
            Assert.Null(silo.Services.GetService<MeterProvider>()); // no OpenTelemetry SDK, so no endpoint
            Assert.Null(silo.Services.GetService<IServer>()); // no web server, so no dashboard
        }
        finally
        {
            await silo.StopAsync();
            silo.Dispose();
        }
    }

    [Fact]
    public async Task The_Orleans_dashboard_answers_on_loopback_when_enabled()
    {
        await Azurite.EnsureRunningAsync();
        int port = Ports.Free();
        var (silo, _) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new("Saei:OrleansDashboard:Port", port.ToString(CultureInfo.InvariantCulture)),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
        try
        {
            using var page = await Http.GetAsync($"http://127.0.0.1:{port}/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            string counters = "";
            await Eventually.HoldsAsync(
                async () =>
                {
                    using var response = await Http.GetAsync($"http://127.0.0.1:{port}/DashboardCounters");
                    counters = await response.Content.ReadAsStringAsync();
                    return response.StatusCode == HttpStatusCode.OK
                        && counters.Contains("\"hosts\"", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(30),
                "the dashboard's counters list the cluster's hosts"
            );
        }
        finally
        {
            await silo.StopAsync();
            silo.Dispose();
        }
    }

    [Theory]
    [InlineData("Saei:Metrics:PrometheusPort", "70000", "Saei:Metrics:PrometheusPort is 70000; set a port in 1..65535")]
    [InlineData("Saei:Metrics:PrometheusPort", "0", "Saei:Metrics:PrometheusPort is 0; set a port in 1..65535")]
    [InlineData("Saei:OrleansDashboard:Port", "-1", "Saei:OrleansDashboard:Port is -1; set a port in 1..65535")]
    [InlineData("Saei:Metrics:OtlpEndpoint", "collector:4317", "Saei:Metrics:OtlpEndpoint is 'collector:4317'; set")]
    public void A_bad_port_or_endpoint_is_refused_naming_the_key(string key, string value, string expected)
    {
        var refused = Assert.Throws<OptionsValidationException>(() => Build([new(key, value)]));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Saei:Metrics", "PrometheusPort")]
    [InlineData("Saei:OrleansDashboard", "Port")]
    public void A_bind_beyond_loopback_is_refused_without_consent_and_accepted_with_it(string section, string portKey)
    {
        KeyValuePair<string, string?>[] remote =
        [
            new($"{section}:{portKey}", "9464"),
            new($"{section}:Bind", "10.1.2.3"),
        ];
        var refused = Assert.Throws<OptionsValidationException>(() => Build(remote));
        Assert.Contains($"{section}:Bind is 10.1.2.3; beyond loopback", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"Set {section}:AllowRemote=true", refused.Message, StringComparison.Ordinal);

        using var consented = Build([.. remote, new($"{section}:AllowRemote", "true")]); // built, not started
        Assert.NotNull(consented);
    }

    [Fact]
    public async Task Saei_silo_with_a_bad_metrics_port_exits_2_naming_the_key()
    {
        // The executor is named, so the metrics port is the only invalid setting: invalid configuration is exit 2.
        var result = await Foundation.Cli.RunAsync(
            "silo",
            "--executor",
            "simulated",
            "--metrics-port",
            "70000",
            "--gateway-port",
            Ports.Free().ToString(CultureInfo.InvariantCulture),
            "--port",
            Ports.Free().ToString(CultureInfo.InvariantCulture)
        );
        Assert.Equal(2, result.Code);
        Assert.Contains("Saei:Metrics:PrometheusPort", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Saei:Executor", result.Error, StringComparison.Ordinal);
    }

    private static string OneGrpoRun(string experiment) =>
        TestSpecs.Spec(experiment, steps: 3, seeds: 1, methods: "grpo: {}");

    /// <summary>Launches the spec of a new experiment (simulated steps of 2 ms) through the gateway and watches it to
    /// the end with the CLI, as a user would; both verbs must succeed.</summary>
    private static async Task LaunchAndWatchAsync(int gatewayPort, Func<string, string> specOf)
    {
        string experiment = TestSpecs.NewExperimentId();
        string spec = await TestSpecs.WriteAsync(specOf(experiment));
        string gateway = gatewayPort.ToString(CultureInfo.InvariantCulture);
        var launch = await Foundation.Cli.RunAsync(
            "sweep",
            "launch",
            spec,
            "--step-ms",
            "2",
            "--gateway-port",
            gateway
        );
        Assert.True(launch.Code == 0, $"sweep launch: {launch.Output}{launch.Error}");
        var watch = await Foundation.Cli.RunAsync(
            "watch",
            experiment,
            "--interval",
            "1",
            "--json",
            "--gateway-port",
            gateway
        );
        Assert.True(watch.Code == 0, $"watch: {watch.Output}{watch.Error}");
    }

    private static IHost Build(IEnumerable<KeyValuePair<string, string?>> settings) =>
        SaeiSilo.Build(
            ["--port", "41121", "--gateway-port", "41122"],
            [
                new("Saei:Storage", Azurite.ConnectionString),
                new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
                .. settings,
            ]
        );

    /// <summary>The sum of a series' samples in a Prometheus text scrape, over the samples whose labels contain
    /// <paramref name="label"/> (all when empty); -1 when the series is absent.</summary>
    private static double Sum(string scrape, string series, string label)
    {
        double sum = 0;
        bool found = false;
        string pattern = $@"^{Regex.Escape(series)}(?:\{{(?<labels>[^}}]*)\}})? (?<value>\S+)";
        foreach (Match sample in Regex.Matches(scrape, pattern, RegexOptions.Multiline))
        {
            if (label.Length > 0 && !sample.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
                continue;
            found = true;
            sum += double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return found ? sum : -1;
    }
}

/// <summary>Tests that count process-wide telemetry: run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry (runs alone)";
}
