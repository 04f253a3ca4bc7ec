using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using SaEI.Client.Commands;
using SaEI.Client.Tests.Commands;
using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;
using SaEI.Testing;

namespace SaEI.Client.Tests.Faults;

/// <summary>
/// A sweep on its own Azurite (own folder and ports: the shared one is never touched) survives a 10 s storage
/// outage: grain-state writes ride it out on the SDK's retries, checkpoint and metrics writes on Polly's.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AzuriteOutageTests
{
    private const string AzuriteKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Fact]
    public async Task Azurite_stopped_for_ten_seconds_mid_sweep_loses_nothing()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"saei-azurite-{Guid.NewGuid():N}");
        var ports = (Blob: TestSpecs.FreePort(), Queue: TestSpecs.FreePort(), Table: TestSpecs.FreePort());
        var environment = new Dictionary<string, string>
        {
            ["SAEI_AZURITE_DIR"] = folder,
            ["SAEI_AZURITE_BLOB_PORT"] = ports.Blob.ToString(),
            ["SAEI_AZURITE_QUEUE_PORT"] = ports.Queue.ToString(),
            ["SAEI_AZURITE_TABLE_PORT"] = ports.Table.ToString(),
        };
        string storage =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
            + AzuriteKey
            + ";"
            + $"BlobEndpoint=http://127.0.0.1:{ports.Blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:"
            + $"{ports.Queue}/devstoreaccount1;"
            + $"TableEndpoint=http://127.0.0.1:{ports.Table}/devstoreaccount1;";
        await AzuriteScriptAsync("start", environment);
        var (silo, gateway) = await TestSilo.StartAsync([
            new("Saei:Storage", storage),
            new("Saei:Runs:LeaseDuration", "00:02:00"),
            new("Logging:LogLevel:Default", "Warning"),
        ]);
        using var _ = silo;
        try
        {
            await using var connection = await ClusterConnection.ConnectAsync(
                new ClusterTarget { GatewayPort = gateway },
                TextWriter.Null,
                CancellationToken.None
            );
            string experiment = TestSpecs.NewExperimentId();
            var grain = connection.Client.GetGrain<IExperimentGrain>(experiment);
            var launched = await grain.LaunchAsync(
                TestSpecs.Spec(experiment, steps: 60, seeds: 2, checkpointEvery: 5),
                new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "100" }
            );
            Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
            await Eventually.HoldsAsync(
                async () => (await grain.GetStatusAsync()).Runs.All(r => r.CheckpointStep >= 5),
                TimeSpan.FromSeconds(30),
                "every run committed a checkpoint"
            );

            await AzuriteScriptAsync("stop", environment);
            await Task.Delay(TimeSpan.FromSeconds(10)); // the outage itself
            await AzuriteScriptAsync("start", environment);

            SweepStatus status = null!;
            await Eventually.HoldsAsync(
                async () => (status = await grain.GetStatusAsync()).Finished,
                TimeSpan.FromSeconds(90),
                "the sweep finished after the outage"
            );
            int[] allCheckpoints = [.. Enumerable.Range(1, 12).Select(i => i * 5)];
            var metrics = new MetricsLog(ResilientBlobStore.Connect(storage, StorageNames.DataContainer));
            var descriptors = (await grain.GetRunsAsync()).ToDictionary(r => r.RunId);
            foreach (var run in status.Runs)
            {
                Assert.Equal(RunState.Completed, run.State);
                Assert.Equal(allCheckpoints, run.CommittedSteps.Order());
                Assert.Equal(
                    Enumerable.Range(1, 60),
                    (await metrics.ReadAsync(experiment, run.RunId)).Select(m => m.Step)
                );
                Assert.Equal(
                    Convert.ToHexStringLower(
                        SHA256.HashData(SimulatedRunExecutor.WeightsAfter(descriptors[run.RunId], 60))
                    ),
                    run.FinalWeightsSha256
                );
            }
            var rows = await connection.Client.GetGrain<ILeaderboardGrain>(experiment).QueryAsync(null);
            Assert.Equal(4, rows.Count);
            Assert.All(rows, r => Assert.Equal(2, r.Seeds));
        }
        finally
        {
            await silo.StopAsync(TimeSpan.FromSeconds(10));
            await AzuriteScriptAsync("stop", environment);
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException) { }
        }
    }

    private static async Task AzuriteScriptAsync(string verb, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryPaths.Root, "infra", "azurite.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"infra/azurite.sh {verb} failed ({process.ExitCode}): {output}");
    }
}
