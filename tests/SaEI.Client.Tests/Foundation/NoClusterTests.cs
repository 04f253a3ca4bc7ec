using System.Net;
using System.Net.Sockets;

namespace SaEI.Client.Tests.Foundation;

/// <summary>
/// The real client (the built saei.dll) with no silo listening: it gives up within 10 s by default (at once when the
/// gateway port refuses connections, after --timeout when it accepts and never answers), writes nothing to stdout, one
/// clear error (no stack trace) to stderr, and exits 1. Bad ids are refused before connecting.
/// </summary>
public sealed class NoClusterTests
{
    /// <summary>A loopback port that nothing listens on (taken and released).</summary>
    private static string UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AssertQuietFailure(SaeiProcess.Result result, string verb)
    {
        Assert.True(result.ExitCode == 1, $"saei {verb}: exit {result.ExitCode}, stderr:\n{result.Error}");
        Assert.True(result.Output.Length == 0, $"saei {verb} wrote to stdout:\n{result.Output}");
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal); // no stack trace
        Assert.Contains("cannot reach the local silo's gateway on port", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leaderboard_with_no_silo_gives_up_within_10_s_with_empty_stdout_and_exit_1()
    {
        var result = await SaeiProcess.RunAsync(["leaderboard", "x", "--gateway-port", UnusedPort()]);
        AssertQuietFailure(result, "leaderboard");
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), $"took {result.Elapsed.TotalSeconds:0.0} s");
        Assert.True(
            result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3,
            $"noisy stderr:\n{result.Error}"
        );
    }

    [Fact]
    public async Task The_timeout_flag_is_honoured_by_the_cluster_verbs_and_json_keeps_stdout_empty()
    {
        // A port that accepts connections and never answers (a hung or foreign process): only --timeout ends the wait.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(backlog: 16);
        string port = ((IPEndPoint)silent.LocalEndpoint).Port.ToString(
            System.Globalization.CultureInfo.InvariantCulture
        );
        foreach (
            string[] args in new[]
            {
                new[] { "run", "show", "some-run", "--json" },
                ["sweep", "status", "exp-1", "--json"],
                ["watch", "exp-1", "--json"],
            }
        )
        {
            var result = await SaeiProcess.RunAsync([.. args, "--gateway-port", port, "--timeout", "1"]);
            AssertQuietFailure(result, args[0]);
            Assert.Contains("within 1 s", result.Error, StringComparison.Ordinal);
        }
        // The wait follows the flag: 12 s instead of 1 s takes about 11 s longer. An absolute bound measured the load
        // more than the flag: the client's start beside the wait took 0.4-3.4 s on a loaded machine.
        string[] show = ["run", "show", "some-run", "--json", "--gateway-port", port, "--timeout"];
        var fast = await SaeiProcess.RunAsync([.. show, "1"]);
        var slow = await SaeiProcess.RunAsync([.. show, "12"]);
        Assert.Contains("within 12 s", slow.Error, StringComparison.Ordinal);
        Assert.True(
            slow.Elapsed - fast.Elapsed > TimeSpan.FromSeconds(6),
            $"--timeout 12 took {slow.Elapsed.TotalSeconds:0.0} s, --timeout 1 {fast.Elapsed.TotalSeconds:0.0} s"
        );
    }

    [Fact]
    public async Task A_path_as_an_id_gets_the_id_rule_before_any_connection()
    {
        foreach (
            string[] args in new[]
            {
                new[] { "run", "show", "../../x" },
                ["leaderboard", "../etc"],
                ["watch", "A/B"],
                ["sweep", "status", ".."],
            }
        )
        {
            var result = await SaeiProcess.RunAsync([.. args, "--gateway-port", UnusedPort()]);
            // The parser checks the id: a bad value is a usage error, before anything connects.
            Assert.True(result.ExitCode == 2, $"saei {string.Join(' ', args)}: exit {result.ExitCode}\n{result.Error}");
            Assert.Contains(
                "is not allowed; use 1-80 characters from [a-z0-9-_.]",
                result.Error,
                StringComparison.Ordinal
            );
            Assert.DoesNotContain("cannot reach", result.Error, StringComparison.Ordinal);
            Assert.True(result.Error.Trim().Split('\n').Length == 1, $"expected one line:\n{result.Error}");
            Assert.Empty(result.Output);
        }
    }

    [Fact]
    public async Task Usage_errors_and_bad_values_exit_2()
    {
        Assert.Equal(2, (await SaeiProcess.RunAsync(["leaderboard", "x", "--frobnicate", "1"])).ExitCode);
        Assert.Equal(2, (await SaeiProcess.RunAsync(["run", "show"])).ExitCode);
        Assert.Equal(2, (await SaeiProcess.RunAsync(["leaderboard", "x", "--timeout"])).ExitCode);
        var bad = await SaeiProcess.RunAsync(["leaderboard", "x", "--timeout", "soon"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--timeout", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_looked_up_through_storage_with_a_wrong_key_names_SAEI_STORAGE()
    {
        await SaEI.Testing.Azurite.EnsureRunningAsync();
        string wrongKey = Convert.ToBase64String(new byte[64]);
        string connection = System.Text.RegularExpressions.Regex.Replace(
            SaEI.Grains.Storage.LocalStorage.AzuriteConnectionString(),
            "AccountKey=[^;]+",
            $"AccountKey={wrongKey}"
        );
        var result = await SaeiProcess.RunAsync(
            ["sweep", "status", "exp-1", "--cluster-id", "no-such-cluster", "--json"],
            new Dictionary<string, string?> { ["SAEI_STORAGE"] = connection }
        );
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}\n{result.Error}");
        Assert.Contains("cannot look up cluster 'no-such-cluster'", result.Error, StringComparison.Ordinal);
        Assert.Contains("refused the credentials", result.Error, StringComparison.Ordinal);
        Assert.Contains("SAEI_STORAGE", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }
}
