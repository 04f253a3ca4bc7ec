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
        var settings = From(["--role", "control", "--cluster-id", "prod-1", "--port", "12000", "--gateway-port", "31000"],
            new() { ["Saei:Role"] = "gpu", ["Saei:SiloPort"] = "1" });
        Assert.Equal(SiloRole.Control, settings.Role);
        Assert.False(settings.RunsWorker);
        Assert.Equal("prod-1", settings.ClusterId);
        Assert.Equal((12000, 31000), (settings.SiloPort, settings.GatewayPort));
        Assert.True(From(["--role", "gpu"]).RunsWorker);
    }

    [Fact]
    public void Bad_flags_and_values_are_errors_naming_them_and_the_fix()
    {
        Assert.Contains("--role", Assert.Throws<ArgumentException>(() => SiloSettings.CheckFlags(["--rolle", "gpu"])).Message, StringComparison.Ordinal);
        var role = Assert.Throws<ArgumentException>(() => From(["--role", "tpu"])).Message;
        Assert.Contains("control, gpu or all", role, StringComparison.Ordinal);
        Assert.Contains("1..65535", Assert.Throws<ArgumentException>(() => From(["--port", "70000"])).Message, StringComparison.Ordinal);
        Assert.Contains("cluster id", Assert.Throws<ArgumentException>(() => From(["--cluster-id", "Bad/Id"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_logged_storage_description_never_contains_the_key_or_a_sas()
    {
        const string key = "c2VjcmV0LWtleS1kby1ub3QtbG9n";
        string account = StorageDescription.Redact($"DefaultEndpointsProtocol=https;AccountName=prodacct;AccountKey={key};EndpointSuffix=core.windows.net");
        Assert.Equal("account prodacct at https://prodacct.blob.core.windows.net", account);
        string sas = StorageDescription.Redact("BlobEndpoint=https://x.blob.core.windows.net/?sv=2022&sig=SECRETSIG;SharedAccessSignature=sv=2022&sig=SECRETSIG");
        Assert.DoesNotContain("SECRETSIG", sas, StringComparison.Ordinal);
        Assert.DoesNotContain(key, account, StringComparison.Ordinal);
    }
}
