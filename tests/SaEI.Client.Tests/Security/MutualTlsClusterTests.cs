using Microsoft.Extensions.Hosting;
using SaEI.Client.Commands;
using SaEI.Client.Tests.Commands;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Client.Tests.Security;

/// <summary>
/// A real silo (in-process, Azurite) with mutual TLS on its silo and gateway ports, and the real client verbs: a
/// client with a certificate the cluster's CA signed is served; a client without TLS, with a certificate from another
/// CA, or that does not trust the silo's CA is refused.
/// </summary>
public sealed class MutualTlsClusterTests : IAsyncLifetime
{
    private const string SiloPassword = "silo-key-password";
    private readonly TestCertificates cluster = new("saei-test-cluster");
    private readonly TestCertificates rogue = new("saei-test-rogue");
    private readonly int gatewayPort = TestSpecs.FreePort();
    private IHost silo = null!;

    public async Task InitializeAsync()
    {
        await Azurite.EnsureRunningAsync();
        string siloCertificate = cluster.IssuePfx("silo", SiloPassword);
        silo = SaeiSilo.Build(
            [
                "--port",
                TestSpecs.FreePort().ToString(),
                "--gateway-port",
                gatewayPort.ToString(),
                "--tls-cert",
                siloCertificate,
                "--tls-ca",
                cluster.AuthorityPem,
            ],
            [
                new(SiloConfiguration.ExecutorKey, SiloConfiguration.SimulatedExecutor),
                new("Saei:Storage", Azurite.ConnectionString),
                new(TlsSettings.PasswordKey, SiloPassword),
                new("Logging:LogLevel:Default", "Warning"),
            ]
        );
        await silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await silo.StopAsync();
        silo.Dispose();
        cluster.Dispose();
        rogue.Dispose();
    }

    /// <summary>A refused client gives up after 4 s; a served one may take longer to connect on a loaded
    /// machine.</summary>
    private Task<int> LeaderboardAsync(TextWriter output, string? certificate = null, string? authority = null) =>
        LeaderboardAsync(output, timeoutSeconds: 4, certificate, authority);

    private Task<int> PatientLeaderboardAsync(
        TextWriter output,
        string? certificate = null,
        string? authority = null
    ) => LeaderboardAsync(output, timeoutSeconds: 30, certificate, authority);

    private Task<int> LeaderboardAsync(TextWriter output, int timeoutSeconds, string? certificate, string? authority) =>
        LeaderboardCommand.RunAsync(
            "tls-exp",
            benchmark: null,
            baseline: "grpo",
            json: false,
            new ClusterTarget
            {
                GatewayPort = gatewayPort,
                TimeoutSeconds = timeoutSeconds,
                TlsCertificate = certificate,
                TlsCa = authority,
            },
            new System.CommandLine.InvocationConfiguration { Output = output, Error = TextWriter.Null },
            CancellationToken.None
        );

    /// <summary>The silo serves a client with the right certificate (so a refusal is the certificate's
    /// doing).</summary>
    private async Task AssertServedAsync()
    {
        var output = new StringWriter();
        Assert.Equal(0, await PatientLeaderboardAsync(output, cluster.IssuePem("client"), cluster.AuthorityPem));
        Assert.Contains("experiment tls-exp: no finished run yet", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public Task A_client_with_a_certificate_from_the_cluster_ca_is_served() => AssertServedAsync();

    [Fact]
    public async Task A_client_without_tls_is_refused()
    {
        var output = new StringWriter();
        var refused = await Assert.ThrowsAsync<UserFacingException>(() => LeaderboardAsync(output));
        Assert.Contains("cannot reach", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--tls-cert", refused.Message, StringComparison.Ordinal);
        Assert.Empty(output.ToString());
        await AssertServedAsync();
    }

    [Fact]
    public async Task A_client_whose_certificate_another_ca_signed_is_refused()
    {
        var output = new StringWriter();
        var refused = await Assert.ThrowsAsync<UserFacingException>(() =>
            LeaderboardAsync(output, rogue.IssuePem("intruder"), cluster.AuthorityPem)
        );
        Assert.Contains("cannot reach", refused.Message, StringComparison.Ordinal);
        Assert.Empty(output.ToString());
        await AssertServedAsync();
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_silos_ca_refuses_the_silo()
    {
        // The client's own certificate is fine for the silo; the silo's is not signed by the CA the client pins.
        var output = new StringWriter();
        var refused = await Assert.ThrowsAsync<UserFacingException>(() =>
            LeaderboardAsync(output, cluster.IssuePem("client"), rogue.AuthorityPem)
        );
        Assert.Contains("cannot reach", refused.Message, StringComparison.Ordinal);
        await AssertServedAsync();
    }
}
