using System.Collections;
using SaEI.Client.Commands;
using SaEI.Client.Configuration;
using SaEI.Client.Tests.Foundation;
using SaEI.Dashboard;

namespace SaEI.Client.Tests.Configuration;

/// <summary>
/// Issue 15: the client's one configuration root. appsettings.json → environment (Saei__...; the old SAEI_* names
/// with a deprecation warning) → flags, later wins; every invalid value reported at once, each naming its key and
/// the fix; a verb with invalid configuration exits 2 before it connects.
/// </summary>
public sealed class ClientConfigurationTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("saei-client-config-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string AppSettings(string json)
    {
        string path = Path.Combine(folder, "appsettings.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static ClientSettings Load(
        string? appsettings,
        Dictionary<string, string?> environment,
        Dictionary<string, string?>? flags = null,
        TextWriter? warnings = null
    ) => ClientConfiguration.Load(appsettings, new Hashtable(environment), flags ?? [], warnings ?? TextWriter.Null);

    [Fact]
    public void Appsettings_then_environment_then_flags_each_layer_overrides_the_one_below()
    {
        string file = AppSettings(
            """
            { "Saei": { "ClusterId": "from-file", "GatewayPort": 31001, "Client": { "TimeoutSeconds": 5 } } }
            """
        );

        var fileOnly = Load(file, []).Cluster;
        Assert.Equal(("from-file", 31001, 5), (fileOnly.ClusterId, fileOnly.GatewayPort, fileOnly.TimeoutSeconds));

        var environment = new Dictionary<string, string?> { ["Saei__GatewayPort"] = "31002" };
        var withEnvironment = Load(file, environment).Cluster;
        Assert.Equal(
            ("from-file", 31002, 5),
            (withEnvironment.ClusterId, withEnvironment.GatewayPort, withEnvironment.TimeoutSeconds)
        );

        var flags = new Dictionary<string, string?>
        {
            [ClientConfiguration.GatewayPortKey] = "31003",
            [ClientConfiguration.ClusterIdKey] = null, // a flag not given leaves the layers below
        };
        var withFlags = Load(file, environment, flags).Cluster;
        Assert.Equal(("from-file", 31003, 5), (withFlags.ClusterId, withFlags.GatewayPort, withFlags.TimeoutSeconds));

        var defaults = Load(null, []).Cluster;
        Assert.Equal((null, 30000, 8), (defaults.ClusterId, defaults.GatewayPort, defaults.TimeoutSeconds));
    }

    [Fact]
    public void An_old_variable_still_works_with_a_one_line_deprecation_warning_and_the_new_name_wins()
    {
        var warnings = new StringWriter();
        string storage = SaEI.Grains.Storage.LocalStorage.AzuriteConnectionString();
        var old = Load(null, new() { ["SAEI_CLUSTER_ID"] = "old-id", ["SAEI_STORAGE"] = storage }, warnings: warnings);

        Assert.Equal("old-id", old.Cluster.ClusterId);
        Assert.Equal(storage, old.Storage.ConnectionString);
        Assert.Equal(storage, old.Cluster.StorageConnectionString);
        string[] lines = warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(
            "saei: SAEI_CLUSTER_ID is deprecated and read for this release only; set Saei__ClusterId " + "instead.",
            lines
        );
        Assert.Contains(
            "saei: SAEI_STORAGE is deprecated and read for this release only; set Saei__Storage instead.",
            lines
        );

        var both = Load(null, new() { ["SAEI_CLUSTER_ID"] = "old-id", ["Saei__ClusterId"] = "new-id" });
        Assert.Equal("new-id", both.Cluster.ClusterId);

        var silent = new StringWriter();
        Load(null, new() { ["Saei__ClusterId"] = "new-id" }, warnings: silent);
        Assert.Empty(silent.ToString());
    }

    [Fact]
    public void Every_invalid_setting_is_reported_at_once_each_naming_its_key_and_the_fix()
    {
        var environment = new Dictionary<string, string?>
        {
            ["Saei__GatewayPort"] = "abc",
            ["Saei__Client__TimeoutSeconds"] = "0",
            ["Saei__ClusterId"] = "Bad/Id",
            ["Saei__Storage"] = "AccountName=a;AccountName=b;AccountKey=SECRET",
            ["Saei__Tls__Certificate"] = "/tmp/client.pem",
        };

        var invalid = Assert.Throws<InvalidConfigurationException>(() => Load(null, environment));

        Assert.Equal(5, invalid.Problems.Count);
        Assert.Contains(
            "Saei:GatewayPort (Saei__GatewayPort, --gateway-port) is 'abc'; set a port in 1..65535.",
            invalid.Problems
        );
        Assert.Contains(
            "Saei:Client:TimeoutSeconds (Saei__Client__TimeoutSeconds, --timeout) is 0; set a whole "
                + "number of seconds, 1 or more.",
            invalid.Problems
        );
        Assert.Contains(
            invalid.Problems,
            p => p.StartsWith("Saei:ClusterId (Saei__ClusterId, --cluster-id): ", StringComparison.Ordinal)
        );
        Assert.Contains(
            invalid.Problems,
            p => p.Contains("the key 'AccountName' appears more than once", StringComparison.Ordinal)
        );
        Assert.Contains(
            invalid.Problems,
            p =>
                p.StartsWith(
                    "Saei:Tls:TrustedCa (Saei__Tls__TrustedCa, --tls-ca) " + "is not set but Saei:Tls:Certificate is",
                    StringComparison.Ordinal
                )
        );
        Assert.DoesNotContain("SECRET", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verb_with_invalid_configuration_exits_2_listing_every_problem_after_the_deprecation_warning()
    {
        var environment = new Dictionary<string, string?>
        {
            ["SAEI_CLUSTER_ID"] = "old-id",
            ["Saei__GatewayPort"] = "abc",
            ["Saei__Client__TimeoutSeconds"] = "-1",
            ["SAEI_STORAGE"] = null, // the test's own environment may hold it: one warning only
        };

        var result = await SaeiProcess.RunAsync(["leaderboard", "x"], environment);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}; stderr:\n{result.Error}");
        Assert.Empty(result.Output);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(
            "saei: SAEI_CLUSTER_ID is deprecated and read for this release only; set Saei__ClusterId " + "instead.",
            lines[0]
        );
        Assert.StartsWith(
            "saei leaderboard: invalid configuration: Saei:GatewayPort",
            lines[1],
            StringComparison.Ordinal
        );
        Assert.StartsWith(
            "saei leaderboard: invalid configuration: Saei:Client:TimeoutSeconds",
            lines[2],
            StringComparison.Ordinal
        );
        Assert.All(
            lines[1..],
            line => Assert.EndsWith("(see `saei leaderboard --help`)", line, StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task The_dashboard_and_check_verbs_read_the_storage_the_client_configuration_names()
    {
        // A configured storage that cannot be right: each verb must refuse it by name, not fall back to Azurite.
        const string configured = "not-a-connection-string";
        var target = new ClusterTarget { StorageConnectionString = configured };
        var console = new System.CommandLine.InvocationConfiguration
        {
            Output = TextWriter.Null,
            Error = TextWriter.Null,
        };
        var dashboard = await Assert.ThrowsAsync<UserFacingException>(() =>
            DashboardCommand.RunAsync(DashboardOptions.DefaultPort, null, target, console, CancellationToken.None)
        );
        Assert.Contains("cannot read the sweeps' files", dashboard.Message, StringComparison.Ordinal);
        Assert.Contains("is malformed", dashboard.Message, StringComparison.Ordinal);

        var check = await Assert.ThrowsAsync<UserFacingException>(() =>
            StackCheckCommand.RunAsync(configured, TextWriter.Null, TextWriter.Null, CancellationToken.None)
        );
        Assert.Contains("is malformed", check.Message, StringComparison.Ordinal);
    }
}
