using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SaEI.Client.Tests.Commands;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Client.Tests.Faults;

/// <summary>
/// Two clusters on one storage account are two Orleans services: reminders are stored and fired per service id, and
/// with one service id for all clusters a cluster beside another fired its run reminders and took healthy runs off
/// their workers (RepeatedKillTests failed with "stopped reporting within 60 s" while a TLS test's silos ran).
/// </summary>
public sealed class ClusterServiceIdTests
{
    [Fact]
    public void Silos_of_different_clusters_have_different_service_ids_and_silos_of_one_cluster_the_same()
    {
        string a = $"sid-a-{Guid.NewGuid():N}"[..17];
        string b = $"sid-b-{Guid.NewGuid():N}"[..17];
        string[] ids = [ServiceId(a), ServiceId(b), ServiceId(a)];
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal(ids[0], ids[2]);
    }

    [Fact]
    public void Local_silos_on_different_gateway_ports_have_different_service_ids_and_one_port_keeps_its_own()
    {
        int first = TestSpecs.FreePort(),
            second = TestSpecs.FreePort();
        string[] ids = [LocalServiceId(first), LocalServiceId(second), LocalServiceId(first)];
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal(ids[0], ids[2]);
    }

    private static string ServiceId(string clusterId)
    {
        var options = ClusterOptionsOf([
            "--cluster-id",
            clusterId,
            "--port",
            TestSpecs.FreePort().ToString(),
            "--gateway-port",
            TestSpecs.FreePort().ToString(),
        ]);
        Assert.Equal(clusterId, options.ClusterId);
        return options.ServiceId;
    }

    private static string LocalServiceId(int gatewayPort) =>
        ClusterOptionsOf([
            "--port",
            TestSpecs.FreePort().ToString(),
            "--gateway-port",
            gatewayPort.ToString(),
        ]).ServiceId;

    private static ClusterOptions ClusterOptionsOf(string[] args)
    {
        using var silo = SaeiSilo.Build(
            args,
            [
                new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
                new("Saei:Storage", Azurite.ConnectionString),
                new("Logging:LogLevel:Default", "Warning"),
            ]
        );
        return silo.Services.GetRequiredService<IOptions<ClusterOptions>>().Value;
    }
}
