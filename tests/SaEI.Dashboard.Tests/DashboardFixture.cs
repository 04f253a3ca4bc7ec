using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using SaEI.Client;
using SaEI.Dashboard.Tests.Browser;
using SaEI.Silo;
using SaEI.Testing;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace SaEI.Dashboard.Tests;

/// <summary>
/// One set of real parts for every browser test: Azurite, an in-process `saei silo` with the simulated executor
/// (localhost clustering, fresh ports), the real `saei dashboard` verb in process on a free port with its generated
/// token, and the system Chromium. Also launches, at start, a short sweep that the read-only tests share once it has
/// finished (<see cref="FinishedSweepAsync"/>).
/// Decisions:
/// 1. The dashboard runs through <see cref="CommandLine.RunAsync(IReadOnlyList{string}, TextWriter, TextWriter,
///    CancellationToken)"/>: the verb's own parsing, start line and token, stopped by cancelling it as Ctrl-C does.
/// 2. The token is read from the start line (docs/dashboard.md), not set through SAEI_DASHBOARD_TOKEN: setting an
///    environment variable in a test process would leak into every other test in it.
/// </summary>
public sealed class DashboardFixture(IMessageSink diagnostics) : IAsyncLifetime
{
    /// <summary>Steps of the shared sweep (2 methods × 3 seeds).</summary>
    public const int FinishedSweepSteps = 4;

    private static readonly Regex StartLine = new(@"dashboard: (http://\S+/) \(actions token: ([^)]+)\)");
    private readonly CancellationTokenSource stop = new();
    private readonly LineWriter dashboardOutput = new();
    private IHost? silo;
    private Task<int>? dashboard;
    private string finishedSweep = "";

    public int GatewayPort { get; private set; }

    /// <summary>The dashboard's root URL, e.g. http://127.0.0.1:41234/.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The actions token the dashboard printed at start.</summary>
    public string Token { get; private set; } = "";

    public HeadlessBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Chromium.Executable is null)
            return; // every test skips (BrowserFact): start nothing
        await Azurite.EnsureRunningAsync();
        (silo, GatewayPort) = await Ports.StartOnFreePortsAsync(StartSiloAsync);
        finishedSweep = await LaunchSweepAsync(steps: FinishedSweepSteps, seeds: 3, stepMs: 5);
        int port = Ports.Free();
        dashboard = CommandLine.RunAsync(
            ["dashboard", "--port", port.ToString(), "--gateway-port", GatewayPort.ToString()],
            dashboardOutput,
            dashboardOutput,
            stop.Token
        );
        try
        {
            await Eventually.HoldsAsync(
                () => Task.FromResult(dashboard.IsCompleted || StartLine.IsMatch(dashboardOutput.Text)),
                TimeSpan.FromSeconds(60),
                "`saei dashboard` prints 'dashboard: http://... (actions token: ...)'"
            );
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; it wrote:\n{dashboardOutput.Text}", e);
        }
        var start = StartLine.Match(dashboardOutput.Text);
        if (!start.Success)
            throw new InvalidOperationException(
                $"`saei dashboard` ended (exit {await dashboard}) before its start " + $"line:\n{dashboardOutput.Text}"
            );
        // A token set in the environment (a developer's shell) is not printed: then it is the one to use.
        string? given = Environment.GetEnvironmentVariable(DashboardOptions.TokenVariable);
        (Url, Token) = (start.Groups[1].Value, string.IsNullOrEmpty(given) ? start.Groups[2].Value : given);
        Browser = await HeadlessBrowser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        await stop.CancelAsync();
        if (dashboard is not null)
            await dashboard.WaitAsync(TestTimeouts.Scaled(TimeSpan.FromSeconds(30)));
        if (silo is not null)
        {
            await silo.StopAsync();
            silo.Dispose();
        }
        stop.Dispose();
        // Shown by `dotnet test` (xunit.runner.json: diagnosticMessages): where the artefacts are.
        diagnostics.OnMessage(new DiagnosticMessage($"dashboard screenshots: {Screenshots.Folder}"));
    }

    /// <summary>A page in a fresh browser context (its own session storage, so no token) on the dashboard.</summary>
    public Task<IPage> NewPageAsync() => Browser.NewPageAsync(Url);

    /// <summary>Runs a `saei` verb in process against the fixture's silo.</summary>
    public async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = await CommandLine.RunAsync([.. args, "--gateway-port", GatewayPort.ToString()], output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Launches a sweep of grpo and saei × <paramref name="seeds"/> seeds; returns its experiment.</summary>
    public async Task<string> LaunchSweepAsync(int steps, int seeds, int stepMs)
    {
        string experiment = $"dash-{Guid.NewGuid():N}"[..17];
        string spec = Path.Combine(Path.GetTempPath(), $"saei-spec-{experiment}.yaml");
        await File.WriteAllTextAsync(spec, SweepSpecs.Small(experiment, steps, seeds));
        var (code, output, error) = await CliAsync("sweep", "launch", spec, "--step-ms", stepMs.ToString());
        File.Delete(spec);
        if (code != 0)
            throw new InvalidOperationException($"sweep launch {experiment} failed ({code}): {output}{error}");
        return experiment;
    }

    /// <summary>Each run's state per `saei sweep status --json` (run id → state).</summary>
    public async Task<IReadOnlyDictionary<string, string>> RunStatesAsync(string experiment)
    {
        var (code, output, error) = await CliAsync("sweep", "status", experiment, "--json");
        if (code != 0)
            throw new InvalidOperationException($"sweep status {experiment} failed ({code}): {error}");
        using var status = JsonDocument.Parse(output);
        return status
            .RootElement.GetProperty("runs")
            .EnumerateArray()
            .ToDictionary(run => run.GetProperty("run").GetString()!, run => run.GetProperty("state").GetString()!);
    }

    /// <summary>The sweep launched at start, once every run of it completed.</summary>
    public async Task<string> FinishedSweepAsync()
    {
        await Eventually.HoldsAsync(
            async () =>
                await RunStatesAsync(finishedSweep) is var states
                && states.Count == 6
                && states.Values.All(s => s == "completed"),
            TimeSpan.FromSeconds(90),
            $"the 6 runs of sweep {finishedSweep} complete",
            TimeSpan.FromMilliseconds(500)
        );
        return finishedSweep;
    }

    private static async Task<(IHost, int)> StartSiloAsync(int siloPort, int gatewayPort)
    {
        var host = SaeiSilo.Build(
            ["--port", siloPort.ToString(), "--gateway-port", gatewayPort.ToString(), "--slots", "8"],
            [
                new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
                new("Saei:Storage", Azurite.ConnectionString),
                new("Logging:LogLevel:Default", "Warning"),
            ]
        );
        try
        {
            await host.StartAsync();
            return (host, gatewayPort);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>A writer the dashboard verb writes to on its threads while the fixture reads what it wrote.</summary>
    private sealed class LineWriter : TextWriter
    {
        private readonly System.Text.StringBuilder text = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (text)
                    return text.ToString();
            }
        }

        public override void Write(char value)
        {
            lock (text)
                text.Append(value);
        }

        public override void Write(string? value)
        {
            lock (text)
                text.Append(value);
        }
    }
}
