using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using SaEI.Grains.Storage;
using SaEI.Testing;
using Xunit.Abstractions;

namespace SaEI.Grains.Tests.Storage;

/// <summary>
/// Multi-GB checkpoints through real Azurite, each in a CHILD process (the benchmarks' hidden
/// <c>checkpoint-blob-child</c> verb), so the peak RSS measured (VmHWM) is the checkpoint path's, not the test
/// host's, and a kill -9 hits a real upload.
/// </summary>
public sealed class StreamedCheckpointTests(ITestOutputHelper output)
{
    private const string Exp = "bench-ckpt";

    [Fact, Trait("Category", "Slow")]
    public async Task A_3_GB_checkpoint_round_trips_through_azurite_with_peak_RSS_under_600_MB_and_an_intact_SHA256()
    {
        await Azurite.EnsureRunningAsync();
        string container = $"ckpt-3gb-{Guid.NewGuid():N}"[..20];
        string staging = NewStagingRoot();
        try
        {
            const long bytes = 3L << 30;
            string[] args = ["roundtrip", "--bytes", $"{bytes}", "--container", container, "--staging", staging];
            var (exit, stdout, stderr) = await RunChildAsync(args, TimeSpan.FromMinutes(10));
            output.WriteLine(stdout);
            Assert.True(exit == 0, $"child exited {exit}: {stdout} {stderr}");
            using var result = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            Assert.Equal(bytes, result.RootElement.GetProperty("bytes").GetInt64());
            Assert.True(result.RootElement.GetProperty("intact").GetBoolean(), stdout);
            long peak = result.RootElement.GetProperty("peak_rss_mb").GetInt64();
            Assert.True(peak is > 0 and < 600, $"peak RSS of the 3 GB round trip is {peak} MB, expected under 600 MB");
            Assert.Empty(Directory.GetDirectories(staging)); // every staging folder was deleted
        }
        finally
        {
            await new BlobContainerClient(Azurite.ConnectionString, container).DeleteIfExistsAsync();
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    [Fact, Trait("Category", "Slow")]
    public async Task A_commit_killed_mid_upload_leaves_the_previous_checkpoint_as_the_newest_intact_one()
    {
        await Azurite.EnsureRunningAsync();
        string container = $"ckpt-kill-{Guid.NewGuid():N}"[..20];
        string staging = NewStagingRoot();
        string run = "grpo-0a1b2c3d-s1";
        var client = new BlobContainerClient(Azurite.ConnectionString, container);
        await client.CreateIfNotExistsAsync();
        var store = new CheckpointStore(
            new ResilientBlobStore(client),
            TimeProvider.System,
            new CheckpointStoreOptions { StagingDirectory = staging }
        );
        try
        {
            using (var previous = store.Staging.Create("previous"))
            {
                await File.WriteAllBytesAsync(previous.PathOf(BlobPaths.ModelFile), [1, 2, 3]);
                await File.WriteAllTextAsync(previous.PathOf(BlobPaths.StateFile), "{\"step\":10}");
                var committed = await store.CommitAsync(Exp, run, 10, previous.Path, "cfg");
                Assert.IsType<CheckpointCommitResult.Committed>(committed);
            }

            // Step 20: model.safetensors (1 MiB) is uploaded first, then a 1 GiB optimizer.bin in blocks; the child is
            // killed once some of those blocks are staged, before the manifest.
            var child = StartChild([
                "commit",
                "--bytes",
                $"{1L << 30}",
                "--container",
                container,
                "--staging",
                staging,
                "--run",
                run,
                "--step",
                "20",
            ]);
            var optimizer = client.GetBlockBlobClient(BlobPaths.CheckpointFile(Exp, run, 20, BlobPaths.OptimizerFile));
            try
            {
                await Eventually.HoldsAsync(
                    async () => await StagedBlocksAsync(optimizer) > 0,
                    TimeSpan.FromMinutes(2),
                    "the child staged blocks of step 20's optimizer.bin"
                );
            }
            finally
            {
                child.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs in the child
                await child.WaitForExitAsync();
            }
            Assert.Null(await new ResilientBlobStore(client).GetInfoAsync(BlobPaths.Manifest(Exp, run, 20)));

            using var loaded = await store.TryLoadLatestIntactAsync(Exp, run);
            Assert.Equal(10, loaded.Checkpoint!.Step);
            var torn = Assert.Single(loaded.Skipped);
            Assert.Equal(new SkippedCheckpoint(20, "manifest.json missing (never committed)"), torn);
            Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(loaded.Checkpoint.PathOf(BlobPaths.ModelFile)));

            // The killed child's staging folder is swept by the next process that stages (it is not running any more).
            Assert.Equal(1, new CheckpointStaging(staging).RemoveLeftovers());
        }
        finally
        {
            await client.DeleteIfExistsAsync();
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<int> StagedBlocksAsync(BlockBlobClient blob)
    {
        try
        {
            var list = await blob.GetBlockListAsync(BlockListTypes.Uncommitted);
            return list.Value.UncommittedBlocks.Count();
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return 0;
        }
    }

    private static string NewStagingRoot() => Path.Combine(Path.GetTempPath(), $"saei-test-staging-{Guid.NewGuid():N}");

    /// <summary>The benchmarks assembly of this build configuration (built with the solution).</summary>
    private static string BenchmarksAssembly()
    {
        string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal)
            ? "Debug"
            : "Release";
        string path = Path.Combine(
            RepositoryPaths.Root,
            "Benchmarks",
            "bin",
            configuration,
            "net10.0",
            "SaEI.Benchmarks.dll"
        );
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"{path} is missing; build the solution first (dotnet build SaEI.sln -c {configuration})."
            );
    }

    private static Process StartChild(string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [BenchmarksAssembly(), "checkpoint-blob-child", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[LocalStorage.ConnectionStringVariable] = Azurite.ConnectionString;
        return Process.Start(start)
            ?? throw new InvalidOperationException("could not start the benchmarks child process.");
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunChildAsync(string[] args, TimeSpan timeout)
    {
        using var child = StartChild(args);
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TestTimeouts.Scaled(timeout));
        try
        {
            await child.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"the checkpoint child did not finish within {timeout}: {await stdout} {await stderr}"
            );
        }
        return (child.ExitCode, await stdout, await stderr);
    }
}
