using Azure.Storage.Blobs;
using SaEI.Grains.Storage;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Storage;

public sealed class CheckpointStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private const string Exp = "exp-ckpt";
    private const string Run = "saei-0a1b2c3d-s1";

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static Dictionary<string, byte[]> Files(int step, int modelBytes = 4096)
    {
        var model = new byte[modelBytes];
        new Random(step).NextBytes(model);
        return new()
        {
            [BlobPaths.ModelFile] = model,
            [BlobPaths.OptimizerFile] = model.Reverse().ToArray(),
            [BlobPaths.StateFile] = System.Text.Encoding.UTF8.GetBytes($"{{\"step\":{step}}}"),
        };
    }

    /// <summary>A private staging root per test (deleted with the container), so tests leave nothing in
    /// ~/.cache.</summary>
    private static string NewStagingRoot() => Path.Combine(Path.GetTempPath(), $"saei-test-staging-{Guid.NewGuid():N}");

    /// <summary>The files written into a new local folder, as a trainer stages a checkpoint.</summary>
    private static string Stage(CheckpointStore store, IReadOnlyDictionary<string, byte[]> files)
    {
        var folder = store.Staging.Create("test");
        foreach (var (name, bytes) in files)
            File.WriteAllBytes(Path.Combine(folder.Path, name), bytes);
        return folder.Path;
    }

    private static Task<CheckpointCommitResult> CommitAsync(
        CheckpointStore store,
        int step,
        IReadOnlyDictionary<string, byte[]> files,
        string config = "cfg",
        IReadOnlyDictionary<string, string>? extra = null
    ) => store.CommitAsync(Exp, Run, step, Stage(store, files), config, extra);

    private static async Task<(BlobContainerClient Container, CheckpointStore Store)> NewStoreAsync(
        BlobStoreOptions? options = null
    )
    {
        var container = await Azurite.NewContainerAsync("ckpt");
        var blobs = new ResilientBlobStore(
            container,
            options ?? new BlobStoreOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryAttempts = 2 }
        );
        return (
            container,
            new CheckpointStore(
                blobs,
                new FixedTime(Now),
                new CheckpointStoreOptions { StagingDirectory = NewStagingRoot() }
            )
        );
    }

    private static async Task CleanUpAsync(BlobContainerClient container, CheckpointStore store)
    {
        await container.DeleteIfExistsAsync();
        if (Directory.Exists(store.Staging.Root))
            Directory.Delete(store.Staging.Root, recursive: true);
    }

    [Fact]
    public async Task A_committed_checkpoint_loads_back_byte_for_byte_with_its_manifest()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            var files = Files(40);
            var commit = await CommitAsync(
                store,
                40,
                files,
                "learning_rate=0.0001",
                new Dictionary<string, string> { ["epoch"] = "3" }
            );
            var committed = Assert.IsType<CheckpointCommitResult.Committed>(commit);
            Assert.Equal(Now, committed.Manifest.CreatedAt);

            string folder;
            using (var loaded = await store.TryLoadLatestIntactAsync(Exp, Run))
            {
                Assert.True(loaded.Found);
                Assert.Empty(loaded.Skipped);
                Assert.Equal(40, loaded.Checkpoint!.Step);
                Assert.Equal("learning_rate=0.0001", loaded.Checkpoint.Manifest.Config);
                Assert.Equal("3", loaded.Checkpoint.Manifest.Extra["epoch"]);
                Assert.Equal(CheckpointManifest.CurrentSchemaVersion, loaded.Checkpoint.Manifest.SchemaVersion);
                foreach (var (name, content) in files)
                {
                    Assert.Equal(content, await File.ReadAllBytesAsync(loaded.Checkpoint.PathOf(name)));
                    Assert.Equal(content.Length, loaded.Checkpoint.Manifest.Files[name].Size);
                }
                // SHA-256 of {"step":40} computed independently.
                Assert.Equal(
                    Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("{\"step\":40}"u8)),
                    loaded.Checkpoint.Manifest.Files[BlobPaths.StateFile].Sha256
                );
                folder = loaded.Checkpoint.Folder.Path;
            }
            Assert.False(Directory.Exists(folder), "disposing the load result deletes its local copy");
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public async Task A_commit_survives_transient_failures_retrying_single_blocks_and_writes_the_manifest_last()
    {
        await Azurite.EnsureRunningAsync();
        var transport = new FaultyTransport(failures: 2, onlyPathContaining: "/step-000040/model.safetensors");
        // 64 KiB blocks: the 300 KiB model is 5 blocks, 3 in flight at once.
        var options = new BlobStoreOptions
        {
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryAttempts = 3,
            TransferBlockBytes = 64 << 10,
            TransferConcurrency = 3,
        };
        var blobs = ResilientBlobStore.Connect(
            Azurite.ConnectionString,
            $"ckpt-{Guid.NewGuid():N}",
            options,
            transport: transport
        );
        await blobs.EnsureContainerAsync();
        var store = new CheckpointStore(
            blobs,
            new FixedTime(Now),
            new CheckpointStoreOptions { StagingDirectory = NewStagingRoot() }
        );
        try
        {
            var files = Files(40, modelBytes: 300 << 10);
            // Two block uploads of the model fail (injected network errors); each is retried alone.
            Assert.IsType<CheckpointCommitResult.Committed>(await CommitAsync(store, 40, files));

            var puts = transport
                .Log.Where(l =>
                    l.StartsWith("PUT ", StringComparison.Ordinal) && l.Contains("/step-", StringComparison.Ordinal)
                )
                .ToList();
            // model: 5 blocks + 2 failed attempts + the block list; optimizer: 5 blocks + list; state: 1 block + list.
            Assert.Equal(8, puts.Count(l => l.EndsWith("/model.safetensors", StringComparison.Ordinal)));
            Assert.Equal(6, puts.Count(l => l.EndsWith("/optimizer.bin", StringComparison.Ordinal)));
            Assert.Equal(2, puts.Count(l => l.EndsWith("/state.json", StringComparison.Ordinal)));
            Assert.EndsWith("/step-000040/manifest.json", puts[^1], StringComparison.Ordinal);
            Assert.Equal(17, puts.Count);

            using var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(40, loaded.Checkpoint!.Step);
            Assert.Equal(
                files[BlobPaths.ModelFile],
                await File.ReadAllBytesAsync(loaded.Checkpoint.PathOf(BlobPaths.ModelFile))
            );
            Assert.Equal(
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(files[BlobPaths.ModelFile])),
                loaded.Checkpoint.Manifest.Files[BlobPaths.ModelFile].Sha256
            );
        }
        finally
        {
            await new BlobContainerClient(
                Azurite.ConnectionString,
                blobs.Uri.Segments[^1].TrimEnd('/')
            ).DeleteIfExistsAsync();
            if (Directory.Exists(store.Staging.Root))
                Directory.Delete(store.Staging.Root, recursive: true);
        }
    }

    [Fact]
    public async Task A_block_that_keeps_failing_fails_the_commit_without_manifest_the_previous_checkpoint_stays()
    {
        await Azurite.EnsureRunningAsync();
        var transport = new FaultyTransport(failures: 1, onlyPathContaining: "/step-000040/optimizer.bin");
        var options = new BlobStoreOptions
        {
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryAttempts = 0,
            TransferBlockBytes = 64 << 10,
            TransferConcurrency = 3,
        };
        var blobs = ResilientBlobStore.Connect(
            Azurite.ConnectionString,
            $"ckpt-{Guid.NewGuid():N}",
            options,
            transport: transport
        );
        await blobs.EnsureContainerAsync();
        var store = new CheckpointStore(
            blobs,
            new FixedTime(Now),
            new CheckpointStoreOptions { StagingDirectory = NewStagingRoot() }
        );
        try
        {
            Assert.IsType<CheckpointCommitResult.Committed>(await CommitAsync(store, 20, Files(20)));
            // No retries: the first optimizer.bin block fails for good (model.safetensors is already uploaded).
            var error = await Assert.ThrowsAsync<BlobStoreUnavailableException>(() =>
                CommitAsync(store, 40, Files(40, modelBytes: 300 << 10))
            );
            Assert.Contains("/step-000040/optimizer.bin", error.Path, StringComparison.Ordinal);
            Assert.Null(await blobs.GetInfoAsync(BlobPaths.Manifest(Exp, Run, 40)));

            using var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(20, loaded.Checkpoint!.Step);
            var torn = Assert.Single(loaded.Skipped);
            Assert.Equal(new SkippedCheckpoint(40, "manifest.json missing (never committed)"), torn);
        }
        finally
        {
            await new BlobContainerClient(
                Azurite.ConnectionString,
                blobs.Uri.Segments[^1].TrimEnd('/')
            ).DeleteIfExistsAsync();
            if (Directory.Exists(store.Staging.Root))
                Directory.Delete(store.Staging.Root, recursive: true);
        }
    }

    [Fact]
    public async Task Committing_the_same_step_again_is_idempotent_and_other_content_is_a_conflict()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            Assert.IsType<CheckpointCommitResult.Committed>(await CommitAsync(store, 20, Files(20)));
            Assert.IsType<CheckpointCommitResult.AlreadyCommitted>(await CommitAsync(store, 20, Files(20)));

            var conflict = Assert.IsType<CheckpointCommitResult.Conflict>(await CommitAsync(store, 20, Files(21)));
            Assert.Contains("different file contents", conflict.Reason, StringComparison.Ordinal);
            Assert.IsType<CheckpointCommitResult.Conflict>(await CommitAsync(store, 20, Files(20), "other cfg"));

            // The committed bytes are untouched by the refused commits.
            using var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(
                Files(20)[BlobPaths.ModelFile],
                await File.ReadAllBytesAsync(loaded.Checkpoint!.PathOf(BlobPaths.ModelFile))
            );
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public async Task Flipped_bytes_in_the_latest_checkpoint_fall_back_to_the_previous_and_report_why()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            await CommitAsync(store, 20, Files(20));
            await CommitAsync(store, 40, Files(40));
            byte[] corrupt = Files(40)[BlobPaths.ModelFile];
            corrupt[100] ^= 0xFF; // same size, one byte flipped: only the SHA-256 can tell
            await container
                .GetBlobClient(BlobPaths.CheckpointFile(Exp, Run, 40, BlobPaths.ModelFile))
                .UploadAsync(BinaryData.FromBytes(corrupt), overwrite: true);

            using var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(20, loaded.Checkpoint!.Step);
            var skipped = Assert.Single(loaded.Skipped);
            Assert.Equal(40, skipped.Step);
            Assert.Equal("model.safetensors SHA-256 mismatch", skipped.Reason);
            Assert.Equal("step-000040: model.safetensors SHA-256 mismatch", skipped.ToString());
            Assert.Equal(
                "checkpoint step-000040 is not usable (model.safetensors SHA-256 mismatch); resuming from step-000020",
                loaded.Describe()
            );
            // The corrupt download was deleted; only the loaded checkpoint's folder is left.
            Assert.Equal(
                [loaded.Checkpoint.Folder.Path],
                Directory
                    .GetDirectories(store.Staging.Root)
                    .Where(d => !Path.GetFileName(d).Contains("-test-", StringComparison.Ordinal))
            );
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public async Task A_folder_without_manifest_is_not_committed_and_is_ignored()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            await CommitAsync(store, 20, Files(20));
            // A crash after uploading the files of step 40 but before its manifest.
            foreach (var (name, content) in Files(40))
                await container
                    .GetBlobClient(BlobPaths.CheckpointFile(Exp, Run, 40, name))
                    .UploadAsync(BinaryData.FromBytes(content));

            Assert.Equal([20], await store.ListStepsAsync(Exp, Run));
            using (var loaded = await store.TryLoadLatestIntactAsync(Exp, Run))
            {
                Assert.Equal(20, loaded.Checkpoint!.Step);
                Assert.Equal(
                    new SkippedCheckpoint(40, "manifest.json missing (never committed)"),
                    Assert.Single(loaded.Skipped)
                );
            }

            // Resuming and committing step 40 again replaces the leftovers and commits.
            Assert.IsType<CheckpointCommitResult.Committed>(await CommitAsync(store, 40, Files(40)));
            using var again = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(40, again.Checkpoint!.Step);
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public async Task A_missing_file_and_no_checkpoint_at_all_are_reported_not_thrown()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            var none = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.False(none.Found);
            Assert.Empty(none.Skipped);

            await CommitAsync(store, 10, Files(10));
            await container
                .GetBlobClient(BlobPaths.CheckpointFile(Exp, Run, 10, BlobPaths.OptimizerFile))
                .DeleteAsync();
            var broken = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.False(broken.Found);
            Assert.Equal("optimizer.bin missing", Assert.Single(broken.Skipped).Reason);
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public async Task Retention_keeps_the_last_K_and_the_best_in_domain_checkpoint_from_the_manifests()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            // In-domain accuracy per step as the worker records it in each manifest; step 30 has none (not evaluated).
            var accuracy = new Dictionary<int, string>
            {
                [10] = "0.75",
                [20] = "0.5",
                [40] = "0.75",
                [50] = "0.25",
            };
            foreach (int step in new[] { 10, 20, 30, 40, 50 })
            {
                var extra = accuracy.TryGetValue(step, out string? a)
                    ? new Dictionary<string, string> { [CheckpointStore.InDomainAccuracyKey] = a }
                    : null;
                await CommitAsync(store, step, Files(step), extra: extra);
            }
            // Keep 2 (40, 50) plus the best: 10 and 40 tie at 0.75, the earliest wins (as the run grain picks it).
            Assert.Equal([20, 30], await store.ApplyRetentionAsync(Exp, Run, keepLast: 2));
            Assert.Equal([10, 40, 50], await store.ListStepsAsync(Exp, Run));
            Assert.Empty(await new ResilientBlobStore(container).ListAsync(BlobPaths.Checkpoint(Exp, Run, 20)));
            Assert.Empty(await store.ApplyRetentionAsync(Exp, Run, keepLast: 2));

            // An explicit best step overrides the manifests'.
            Assert.Equal([10], await store.ApplyRetentionAsync(Exp, Run, keepLast: 1, bestStep: 40));
            Assert.Equal([40, 50], await store.ListStepsAsync(Exp, Run));
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public async Task Bad_file_names_are_refused_before_anything_is_written()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() =>
                CommitAsync(store, 10, new Dictionary<string, byte[]> { ["Model File"] = [1] })
            );
            Assert.Contains("'Model File'", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ArgumentException>(() =>
                CommitAsync(store, 10, new Dictionary<string, byte[]> { [BlobPaths.ManifestFile] = [1] })
            );
            var empty = await Assert.ThrowsAsync<ArgumentException>(() =>
                CommitAsync(store, 10, new Dictionary<string, byte[]>())
            );
            Assert.Contains("no files", empty.Message, StringComparison.Ordinal);
            Assert.Empty(await new ResilientBlobStore(container).ListAsync(""));
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public async Task Evaluation_can_download_only_the_weights()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            await CommitAsync(store, 10, Files(10));
            using var loaded = await store.TryLoadAsync(Exp, Run, 10, [BlobPaths.ModelFile]);
            Assert.Equal([BlobPaths.ModelFile], loaded.Checkpoint!.Folder.FileNames());
            Assert.Equal(
                Files(10)[BlobPaths.ModelFile],
                await File.ReadAllBytesAsync(loaded.Checkpoint.PathOf(BlobPaths.ModelFile))
            );
        }
        finally
        {
            await CleanUpAsync(container, store);
        }
    }

    [Fact]
    public void Staging_folders_of_dead_processes_are_swept_and_live_ones_kept()
    {
        string root = NewStagingRoot();
        try
        {
            var staging = new CheckpointStaging(root);
            using var mine = staging.Create("live");
            // A folder left by a killed process (a pid that cannot be running: above Linux's pid_max of 2^22).
            string dead = Path.Combine(root, "99999999-step-000040-0123");
            Directory.CreateDirectory(dead);
            File.WriteAllBytes(Path.Combine(dead, BlobPaths.ModelFile), [1, 2, 3]);
            Assert.Equal(1, staging.RemoveLeftovers());
            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(mine.Path));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(
                    UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                    File.GetUnixFileMode(root)
                );
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
