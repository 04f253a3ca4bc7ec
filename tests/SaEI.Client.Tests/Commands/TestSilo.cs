using Microsoft.Extensions.Hosting;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Client.Tests.Commands;

/// <summary>An in-process `saei silo` (localhost clustering) on fresh ports, started again on others if one was
/// taken.</summary>
public static class TestSilo
{
    /// <summary>Builds and starts the silo with 4 slots; returns it and its gateway port.</summary>
    public static Task<(IHost Silo, int GatewayPort)> StartAsync(IEnumerable<KeyValuePair<string, string?>> settings) =>
        Ports.StartOnFreePortsAsync(
            async (siloPort, gatewayPort) =>
            {
                var host = SaeiSilo.Build(
                    ["--port", siloPort.ToString(), "--gateway-port", gatewayPort.ToString(), "--slots", "4"],
                    WithExecutor(settings)
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
        );

    /// <summary>The settings with the simulated executor unless they choose one.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> WithExecutor(
        IEnumerable<KeyValuePair<string, string?>> settings
    )
    {
        var all = settings.ToList();
        return all.Any(s => s.Key == SiloConfiguration.ExecutorKey)
            ? all
            : all.Prepend(new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor));
    }
}
