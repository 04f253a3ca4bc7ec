using Microsoft.Extensions.Configuration;
using SaEI.Silo;

namespace SaEI.Client.Tests.Hosting;

public sealed class SiloSettingsTests
{
    private static SiloSettings From(string[] args, Dictionary<string, string?>? settings = null)
    {
        SiloSettings.CheckFlags(args);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings ?? [])
            .AddCommandLine(args, SiloSettings.Flags.ToDictionary())
            .Build();
        return SiloSettings.From(configuration);
    }

    [Fact]
    public void The_local_default_is_one_silo_with_every_role_on_Azurite()
    {
        var settings = From([], new() { ["Saei:Storage"] = null });
        Assert.Equal(SiloRole.All, settings.Role);
        Assert.Null(settings.ClusterId);
        Assert.Equal((11111, 30000), (settings.SiloPort, settings.GatewayPort));
        Assert.True(settings.RunsWorker);
    }

    [Fact]
    public void Flags_override_configuration_and_roles_decide_who_runs_a_worker()
    {
        var settings = From(
            ["--role", "control", "--cluster-id", "prod-1", "--port", "12000", "--gateway-port", "31000"],
            new() { ["Saei:Role"] = "gpu", ["Saei:SiloPort"] = "1" }
        );
        Assert.Equal(SiloRole.Control, settings.Role);
        Assert.False(settings.RunsWorker);
        Assert.Equal("prod-1", settings.ClusterId);
        Assert.Equal((12000, 31000), (settings.SiloPort, settings.GatewayPort));
        Assert.True(From(["--role", "gpu"]).RunsWorker);
    }

    [Fact]
    public void Bad_flags_and_values_are_errors_naming_them_and_the_fix()
    {
        Assert.Contains(
            "--role",
            Assert.Throws<ArgumentException>(() => SiloSettings.CheckFlags(["--rolle", "gpu"])).Message,
            StringComparison.Ordinal
        );
        var role = Assert.Throws<ArgumentException>(() => From(["--role", "tpu"])).Message;
        Assert.Contains("control, gpu or all", role, StringComparison.Ordinal);
        Assert.Contains(
            "1..65535",
            Assert.Throws<ArgumentException>(() => From(["--port", "70000"])).Message,
            StringComparison.Ordinal
        );
        Assert.Contains(
            "cluster id",
            Assert.Throws<ArgumentException>(() => From(["--cluster-id", "Bad/Id"])).Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void The_logged_storage_description_never_contains_the_key_or_a_sas()
    {
        const string key = "c2VjcmV0LWtleS1kby1ub3QtbG9n";
        string account = StorageDescription.Redact(
            $"DefaultEndpointsProtocol=https;AccountName=prodacct;AccountKey={key};EndpointSuffix=core.windows.net"
        );
        Assert.Equal("account prodacct at https://prodacct.blob.core.windows.net", account);
        string sas = StorageDescription.Redact(
            "BlobEndpoint=https://x.blob.core.windows.net/?sv=2022&sig=SECRETSIG;SharedAccessSignature=sv=2022&sig=SE"
                + "CRETSIG"
        );
        Assert.DoesNotContain("SECRETSIG", sas, StringComparison.Ordinal);
        Assert.DoesNotContain(key, account, StringComparison.Ordinal);
    }

    [Fact]
    public void Binding_beyond_loopback_without_tls_is_refused_naming_the_settings()
    {
        var refused = Assert.Throws<ArgumentException>(() => From(["--bind", "10.1.2.3"])).Message;
        Assert.Contains("Saei:Bind is 10.1.2.3, beyond loopback", refused, StringComparison.Ordinal);
        Assert.Contains("--tls-cert / Saei:Tls:Certificate", refused, StringComparison.Ordinal);
        Assert.Contains("--tls-ca / Saei:Tls:TrustedCa", refused, StringComparison.Ordinal);
        Assert.Contains(
            "cannot be advertised",
            Assert.Throws<ArgumentException>(() => From(["--bind", "0.0.0.0"])).Message,
            StringComparison.Ordinal
        );
        Assert.Contains(
            "give an IP address",
            Assert.Throws<ArgumentException>(() => From(["--bind", "my-host"])).Message,
            StringComparison.Ordinal
        );

        var local = From(["--bind", "127.0.0.1"]);
        Assert.False(local.BindsBeyondLoopback);
        Assert.Null(local.Tls);
        var secured = From(["--bind", "10.1.2.3", "--tls-cert", "/etc/saei/silo.pfx", "--tls-ca", "/etc/saei/ca.pem"]);
        Assert.True(secured.BindsBeyondLoopback);
        Assert.Equal(
            ("/etc/saei/silo.pfx", "/etc/saei/ca.pem"),
            (secured.Tls!.CertificatePath, secured.Tls.TrustedCaPath)
        );
    }

    [Fact]
    public void Tls_settings_need_something_to_trust_peers_by_and_well_formed_thumbprints()
    {
        Assert.Contains(
            "Saei:Tls:TrustedCa",
            Assert.Throws<ArgumentException>(() => From(["--tls-cert", "/x.pfx"])).Message,
            StringComparison.Ordinal
        );
        Assert.Contains(
            "no certificate",
            Assert.Throws<ArgumentException>(() => From(["--tls-ca", "/ca.pem"])).Message,
            StringComparison.Ordinal
        );
        var badThumbprint = Assert
            .Throws<ArgumentException>(() =>
                From(["--tls-cert", "/x.pfx"], new() { [TlsSettings.ThumbprintsKey] = "ABCD" })
            )
            .Message;
        Assert.Contains("not a SHA-256 fingerprint", badThumbprint, StringComparison.Ordinal);
        string fingerprint = string.Join(':', Enumerable.Repeat("ab", 32));
        var pinned = From(["--tls-cert", "/x.pfx"], new() { [TlsSettings.ThumbprintsKey] = fingerprint });
        Assert.Equal([string.Concat(Enumerable.Repeat("AB", 32))], pinned.Tls!.AllowedThumbprints);
    }

    [Fact]
    public void A_missing_or_keyless_certificate_file_is_an_error_naming_the_setting_and_file()
    {
        var missing = new TlsSettings
        {
            CertificatePath = "/nonexistent/silo.pfx",
            TrustedCaPath = "/nonexistent/ca.pem",
        };
        var error = Assert.Throws<ArgumentException>(() => missing.Load()).Message;
        Assert.Contains("Saei:Tls:Certificate: '/nonexistent/silo.pfx' is not a file", error, StringComparison.Ordinal);
        using var authority = new Security.TestCertificates("keyless");
        var keyless = new TlsSettings
        {
            CertificatePath = authority.AuthorityPem,
            TrustedCaPath = authority.AuthorityPem,
        };
        Assert.Contains(
            "has no private key",
            Assert.Throws<ArgumentException>(() => keyless.Load()).Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_password_in_an_endpoint_url_is_redacted_like_the_key()
    {
        string described = StorageDescription.Redact(
            "AccountName=acct;AccountKey=S3CRETKEY;BlobEndpoint=https://admin:hunter2@storage.example.com/acct?sv=1&s"
                + "ig=SIG"
        );
        Assert.Equal("account acct at https://storage.example.com/acct", described);
        Assert.DoesNotContain("hunter2", described, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", described, StringComparison.Ordinal);
        // A duplicated key describes without throwing; the start-up check refuses it (below).
        Assert.DoesNotContain(
            "K1",
            StorageDescription.Redact("AccountName=a;AccountKey=K1;AccountKey=K2"),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_malformed_or_duplicated_storage_key_is_refused_naming_SAEI_STORAGE_without_the_secret()
    {
        string duplicated = StorageCheck.Validate("AccountName=a;AccountKey=SECRETONE;AccountKey=SECRETTWO")!;
        Assert.Contains("SAEI_STORAGE", duplicated, StringComparison.Ordinal);
        Assert.Contains("'AccountKey' appears more than once", duplicated, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", duplicated, StringComparison.Ordinal);
        string malformed = StorageCheck.Validate("AccountName=a;thisisnotapair;AccountKey=SECRETONE")!;
        Assert.Contains("part 2 is not 'Key=value'", malformed, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", malformed, StringComparison.Ordinal);
        Assert.Null(StorageCheck.Validate(SaEI.Grains.Storage.LocalStorage.AzuriteConnectionString()));
        var build = Assert.Throws<ArgumentException>(() =>
            SaeiSilo.Build([], [new("Saei:Storage", "AccountName=a;AccountName=b;AccountKey=SECRETONE")])
        );
        Assert.Contains("'AccountName' appears more than once", build.Message, StringComparison.Ordinal);
    }
}
