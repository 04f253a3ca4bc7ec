using SaEI.Client.Tests.Commands;
using SaEI.Client.Tests.Foundation;
using SaEI.Grains.Storage;
using SaEI.Testing;

namespace SaEI.Client.Tests.Hosting;

/// <summary>
/// `saei silo` as a real process refuses to start, in bounded time and with one message naming the setting, when it
/// would bind beyond loopback without TLS or when storage refuses its credentials or is malformed. Invalid
/// configuration exits 2, storage that refuses the key 1.
/// </summary>
public sealed class SiloStartRefusalTests
{
    private static string[] Ports() =>
        [
            "--executor",
            "simulated",
            "--port",
            TestSpecs.FreePort().ToString(),
            "--gateway-port",
            TestSpecs.FreePort().ToString(),
        ];

    private static void AssertRefused(SaeiProcess.Result result, string expected, int code = 2)
    {
        Assert.True(
            result.ExitCode == code,
            $"exit {result.ExitCode}; stderr:\n{result.Error}\nstdout:\n{result.Output}"
        );
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), $"took {result.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_silo_bound_beyond_loopback_without_tls_refuses_to_start()
    {
        // 192.0.2.0/24 is reserved for documentation: the check must refuse before any bind is tried.
        var result = await SaeiProcess.RunAsync(["silo", "--bind", "192.0.2.10", .. Ports()]);
        AssertRefused(result, "--bind / Saei:Bind is 192.0.2.10, beyond loopback, and TLS is not configured");
        Assert.Contains("Saei:Tls:Certificate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_whose_storage_key_is_wrong_exits_with_a_message_naming_SAEI_STORAGE()
    {
        await Azurite.EnsureRunningAsync();
        const string wrongKey = "d3JvbmctYnV0LXdlbGwtZm9ybWVkLWtleS1mb3ItYXp1cml0ZS10ZXN0cw==";
        string connection = System.Text.RegularExpressions.Regex.Replace(
            LocalStorage.AzuriteConnectionString(),
            "AccountKey=[^;]+",
            $"AccountKey={wrongKey}"
        );
        var result = await SaeiProcess.RunAsync(
            ["silo", .. Ports()],
            new Dictionary<string, string?> { [LocalStorage.ConnectionStringVariable] = connection }
        );
        AssertRefused(result, "refused the credentials", code: 1);
        Assert.Contains("SAEI_STORAGE", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_a_duplicated_storage_key_exits_with_the_same_kind_of_message()
    {
        string connection = LocalStorage.AzuriteConnectionString() + "AccountName=other;";
        var result = await SaeiProcess.RunAsync(
            ["silo", .. Ports()],
            new Dictionary<string, string?> { [LocalStorage.ConnectionStringVariable] = connection }
        );
        AssertRefused(
            result,
            "Saei:Storage (Saei__Storage; old: SAEI_STORAGE) is malformed: the key 'AccountName' appears more than once"
        );
    }
}
