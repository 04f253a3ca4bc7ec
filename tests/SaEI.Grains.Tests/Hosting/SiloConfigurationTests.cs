using Microsoft.Extensions.Options;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Hosting;

/// <summary>
/// Issue 15: a silo's configuration is validated when it starts, every problem at once, each naming its key and the
/// fix; the executor is never chosen silently.
/// </summary>
public sealed class SiloConfigurationTests
{
    private static string[] Ports => ["--port", "41111", "--gateway-port", "41112"];

    [Fact]
    public void A_silo_with_no_executor_configured_refuses_to_start_naming_Saei_Executor()
    {
        var refused = Assert.Throws<ArgumentException>(() =>
            SaeiSilo.Build(Ports, [new("Saei:Storage", Azurite.ConnectionString)])
        );
        Assert.Equal(
            "Saei:Executor is not set; set Saei:Executor (environment Saei__Executor) to 'torch' (the real "
                + "trainer) or 'simulated' (compute-free steps, for orchestration tests and benchmarks).",
            refused.Message
        );
    }

    [Fact]
    public void An_unknown_executor_is_refused_with_the_values_to_set()
    {
        var refused = Assert.Throws<ArgumentException>(() =>
            SaeiSilo.Build(
                Ports,
                [new("Saei:Storage", Azurite.ConnectionString), new(SiloConfiguration.ExecutorKey, "gpu")]
            )
        );
        Assert.StartsWith("Saei:Executor is 'gpu'; set Saei:Executor", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_worker_and_run_settings_stop_the_silo_at_start_all_at_once()
    {
        using var host = SaeiSilo.Build(
            Ports,
            [
                new("Saei:Storage", Azurite.ConnectionString),
                new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
                new("Saei:Worker:Slots", "0"),
                new("Saei:Worker:PollPeriod", "00:00:00"),
                new("Saei:Runs:CheckPeriod", "00:05:00"),
                new("Logging:LogLevel:Default", "None"),
            ]
        );
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        string message = refused is AggregateException all
            ? string.Join(" ", all.InnerExceptions.Select(e => e.Message))
            : refused.Message;
        Assert.Contains("Saei:Worker:Slots is 0; set 1 or more", message, StringComparison.Ordinal);
        Assert.Contains("Saei:Worker:PollPeriod is 00:00:00; set a positive time", message, StringComparison.Ordinal);
        Assert.Contains(
            "Saei:Runs:CheckPeriod is 00:05:00; set a positive time shorter than Saei:Runs:LeaseDuration",
            message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Torch_settings_are_validated_when_the_silo_is_built()
    {
        var refused = Assert.Throws<OptionsValidationException>(() =>
            SaeiSilo.Build(
                Ports,
                [
                    new("Saei:Storage", Azurite.ConnectionString),
                    new(SiloConfiguration.ExecutorKey, SiloConfiguration.TorchExecutor),
                    new("Saei:Torch:Threads", "-1"),
                    new("Saei:Torch:ImagePairsPerCheckpoint", "-2"),
                ]
            )
        );
        Assert.Equal(2, refused.Failures.Count());
        Assert.Contains("Saei:Torch:Threads is -1;", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Saei:Torch:ImagePairsPerCheckpoint is -2;", refused.Message, StringComparison.Ordinal);
    }
}
