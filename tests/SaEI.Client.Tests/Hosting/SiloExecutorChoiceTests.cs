using SaEI.Client.Tests.Commands;
using SaEI.Client.Tests.Faults;
using SaEI.Client.Tests.Foundation;
using SaEI.Testing;

namespace SaEI.Client.Tests.Hosting;

/// <summary>
/// Issue 15: `saei silo` chooses no executor by default. With neither --executor nor Saei:Executor (appsettings or
/// Saei__Executor) it refuses to start, exit 2, with a message naming the key and its values; an explicit choice by
/// flag or environment starts a silo whose worker pulls work with that executor.
/// </summary>
[Collection(SiloProcess.Collection)]
public sealed class SiloExecutorChoiceTests
{
    private static string[] Ports() =>
        ["--port", TestSpecs.FreePort().ToString(), "--gateway-port", TestSpecs.FreePort().ToString()];

    /// <summary>The environment without any executor setting (a developer's shell may hold one).</summary>
    private static Dictionary<string, string?> NoExecutor() => new() { ["Saei__Executor"] = null };

    [Fact]
    public async Task A_silo_with_no_executor_configured_exits_2_naming_Saei_Executor_and_its_values()
    {
        var result = await SaeiProcess.RunAsync(["silo", .. Ports()], NoExecutor());

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}; stderr:\n{result.Error}");
        Assert.Contains(
            "Saei:Executor is not set; set Saei:Executor (environment Saei__Executor) to 'torch'",
            result.Error,
            StringComparison.Ordinal
        );
        Assert.Contains("'simulated'", result.Error, StringComparison.Ordinal);
        Assert.Contains("saei silo --help", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task An_unknown_executor_in_the_environment_and_a_bad_role_are_reported_together_with_exit_2()
    {
        var environment = NoExecutor();
        environment["Saei__Executor"] = "gpu";
        var result = await SaeiProcess.RunAsync(["silo", "--role", "conductor", .. Ports()], environment);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}; stderr:\n{result.Error}");
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(
            "--role / Saei:Role is 'conductor'; set control, gpu or all.",
            lines[0],
            StringComparison.Ordinal
        );
        Assert.Contains("Saei:Executor is 'gpu'; set Saei:Executor", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_executor_flag_is_a_usage_error_listing_the_values()
    {
        var result = await Cli.RunAsync(["silo", "--executor", "gpu", .. Ports()]);

        Assert.Equal(2, result.Code);
        Assert.Contains(
            "option '--executor' is 'gpu'; give one of: torch, simulated.",
            result.Error,
            StringComparison.Ordinal
        );
    }

    [Fact, Trait("Category", "Slow")]
    public async Task An_executor_chosen_by_flag_or_by_environment_starts_a_silo_that_pulls_work_with_it()
    {
        await Azurite.EnsureRunningAsync();
        var quiet = new Dictionary<string, string>
        {
            ["Saei__Storage"] = Azurite.ConnectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__SaEI"] = "Information",
        };
        var torchByEnvironment = new Dictionary<string, string>(quiet) { ["Saei__Executor"] = "torch" };
        var starting = new[]
        {
            SiloProcess.StartAsync(
                $"exec-flag-{Guid.NewGuid():N}"[..18],
                quiet,
                TimeSpan.FromSeconds(90),
                ["--executor", "simulated"]
            ),
            SiloProcess.StartAsync($"exec-env-{Guid.NewGuid():N}"[..17], torchByEnvironment, TimeSpan.FromSeconds(90)),
        };
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var start in starting.Where(s => s.IsCompletedSuccessfully))
                (await start).Dispose();
            throw;
        }
        using var byFlag = await starting[0];
        using var byEnvironment = await starting[1];
        Assert.Contains("executor simulated", Log(byFlag), StringComparison.Ordinal);
        Assert.Contains("executor torch", Log(byEnvironment), StringComparison.Ordinal);
    }

    private static string Log(SiloProcess silo)
    {
        using var stream = new FileStream(silo.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}
