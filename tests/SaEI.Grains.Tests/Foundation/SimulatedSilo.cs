using Microsoft.Extensions.Configuration;
using SaEI.Silo;

namespace SaEI.Grains.Tests;

/// <summary>The settings of a compute-free test silo: the simulated executor, chosen explicitly.</summary>
internal static class SimulatedSilo
{
    public static IConfiguration Settings { get; } =
        new ConfigurationBuilder()
            .AddInMemoryCollection([new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor)])
            .Build();
}
