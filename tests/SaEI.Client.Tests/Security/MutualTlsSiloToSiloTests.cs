using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SaEI.Client.Tests.Commands;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Client.Tests.Security;

/// <summary>
/// Two silos of one cluster (Azure Table membership on Azurite) whose silo-to-silo connections are mutual TLS with
/// certificates from the cluster's CA: they see each other as active, which needs TLS connections both ways; a third
/// silo whose certificate another CA signed is refused by both and never becomes a member.
/// </summary>
public sealed class MutualTlsSiloToSiloTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Two_silos_with_certificates_from_the_cluster_ca_form_one_cluster()
    {
        await Azurite.EnsureRunningAsync();
        using var certificates = new TestCertificates("saei-test-cluster");
        string clusterId = $"tls-{Guid.NewGuid():N}"[..20];
        var silos = new List<IHost>();
        try
        {
            foreach (string name in new[] { "silo-a", "silo-b" })
            {
                var silo = SaeiSilo.Build(
                    [
                        "--cluster-id",
                        clusterId,
                        "--port",
                        TestSpecs.FreePort().ToString(),
                        "--gateway-port",
                        TestSpecs.FreePort().ToString(),
                        "--tls-cert",
                        certificates.IssuePem(name),
                        "--tls-ca",
                        certificates.AuthorityPem,
                    ],
                    [
                        new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
                        new("Saei:Storage", Azurite.ConnectionString),
                        new("Logging:LogLevel:Default", "Warning"),
                    ]
                );
                await silo.StartAsync();
                silos.Add(silo);
            }
            var management = silos[0].Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            await Eventually.HoldsAsync(
                async () => (await management.GetHosts(onlyActive: true)).Count == 2,
                TimeSpan.FromSeconds(60),
                "both TLS silos active in the membership of the first"
            );
            var second = silos[1].Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            Assert.Equal(2, (await second.GetHosts(onlyActive: true)).Count);

            // A silo whose certificate another CA signed cannot join: its connectivity check to the members fails.
            using var rogueCa = new TestCertificates("saei-test-rogue");
            var rogue = SaeiSilo.Build(
                [
                    "--cluster-id",
                    clusterId,
                    "--port",
                    TestSpecs.FreePort().ToString(),
                    "--gateway-port",
                    TestSpecs.FreePort().ToString(),
                    "--tls-cert",
                    rogueCa.IssuePem("intruder"),
                    "--tls-ca",
                    certificates.AuthorityPem,
                ],
                [
                    new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
                    new("Saei:Storage", Azurite.ConnectionString),
                    new("Logging:LogLevel:Default", "None"),
                    new("Saei:Membership:MaxJoinAttemptTime", "00:00:15"),
                ]
            );
            using (rogue)
            {
                // Refused after ~11 s here (the join attempt is capped at 15 s above; Orleans' default is 5 min).
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
                var refused = await Assert.ThrowsAnyAsync<Exception>(() => rogue.StartAsync(limit.Token));
                Assert.False(
                    limit.IsCancellationRequested,
                    $"the rogue silo neither joined nor failed within 120 s ({refused.GetType().Name})"
                );
                Assert.IsType<Orleans.Runtime.MembershipService.OrleansClusterConnectivityCheckFailedException>(
                    refused
                );
            }
            Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);
        }
        finally
        {
            foreach (var silo in Enumerable.Reverse(silos))
            {
                await silo.StopAsync();
                silo.Dispose();
            }
        }
    }
}
