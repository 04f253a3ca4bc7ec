using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SaEI.Client.Tests.Commands;
using SaEI.Grains.Experiments;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Client.Tests.Dashboard;

/// <summary>
/// One real local silo (simulated executor, Azurite) hosting the dashboard on a free loopback port
/// (Saei:Dashboard:Port = 0) with a known token, and an HTTP client for it. Shared by the dashboard tests.
/// </summary>
public sealed class DashboardSilo : IAsyncLifetime
{
    public const string Token = "dashboard-test-token-0123456789";

    private IHost silo = null!;

    public int GatewayPort { get; private set; }

    public HttpClient Http { get; private set; } = null!;

    public IGrainFactory Grains => silo.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        (silo, GatewayPort) = await TestSilo.StartAsync([
            new("Saei:Storage", Azurite.ConnectionString),
            new("Logging:LogLevel:Default", "Warning"),
            new("Saei:Dashboard:Port", "0"),
            new("Saei:Dashboard:Token", Token),
        ]);
        var server =
            silo.Services.GetRequiredService<DashboardHostedService>().Server
            ?? throw new InvalidOperationException("the silo started without its dashboard");
        Http = new HttpClient { BaseAddress = server.Address, Timeout = TestTimeouts.Scaled(TimeSpan.FromSeconds(30)) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await silo.StopAsync();
        silo.Dispose();
    }

    /// <summary>Launches a small sweep (2 methods × <paramref name="seeds"/> seeds) on the simulated executor.
    /// </summary>
    public async Task<string> LaunchAsync(int steps, int seeds, IReadOnlyDictionary<string, string> options)
    {
        string experiment = TestSpecs.NewExperimentId();
        var result = await Grains
            .GetGrain<IExperimentGrain>(experiment)
            .LaunchAsync(TestSpecs.Spec(experiment, steps, seeds), options);
        Assert.Equal(LaunchOutcome.Launched, result.Outcome);
        return experiment;
    }

    public async Task<JsonNode> GetJsonAsync(string path) =>
        (await Http.GetFromJsonAsync<JsonNode>(path)) ?? throw new InvalidOperationException($"{path}: empty answer");

    /// <summary>Waits until every run of the experiment, as the dashboard API shows it, is in <paramref name="state"/>.
    /// </summary>
    public Task WaitForAllAsync(string experiment, string state, TimeSpan timeout) =>
        Eventually.HoldsAsync(
            async () =>
            {
                var page = await GetJsonAsync($"/api/experiments/{experiment}");
                return page["runs"]!.AsArray().All(r => r!["state"]!.GetValue<string>() == state);
            },
            timeout,
            $"every run of {experiment} {state} on the dashboard API"
        );
}
