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

    private static Dictionary<string, BinaryData> Files(int step)
    {
        var model = new byte[4096];
        new Random(step).NextBytes(model);
        return new()
        {
            [BlobPaths.ModelFile] = BinaryData.FromBytes(model),
            [BlobPaths.OptimizerFile] = BinaryData.FromBytes(model.Reverse().ToArray()),
            [BlobPaths.StateFile] = BinaryData.FromString($"{{\"step\":{step}}}"),
        };
    }

    private static async Task<(BlobContainerClient Container, CheckpointStore Store)> NewStoreAsync()
    {
        var container = await Azurite.NewContainerAsync("ckpt");
        var blobs = new ResilientBlobStore(container, new BlobStoreOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryAttempts = 2 });
        return (container, new CheckpointStore(blobs, new FixedTime(Now)));
    }

    [Fact]
    public async Task A_committed_checkpoint_loads_back_byte_for_byte_with_its_manifest()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            var files = Files(40);
            var commit = await store.CommitAsync(Exp, Run, 40, files, "learning_rate=0.0001", new Dictionary<string, string> { ["epoch"] = "3" });
            var committed = Assert.IsType<CheckpointCommitResult.Committed>(commit);
            Assert.Equal(Now, committed.Manifest.CreatedAt);

            var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.True(loaded.Found);
            Assert.Empty(loaded.Skipped);
            Assert.Equal(40, loaded.Checkpoint!.Step);
            Assert.Equal("learning_rate=0.0001", loaded.Checkpoint.Manifest.Config);
            Assert.Equal("3", loaded.Checkpoint.Manifest.Extra["epoch"]);
            Assert.Equal(CheckpointManifest.CurrentSchemaVersion, loaded.Checkpoint.Manifest.SchemaVersion);
            foreach (var (name, content) in files)
            {
                Assert.Equal(content.ToArray(), loaded.Checkpoint.Files[name].ToArray());
                Assert.Equal(content.ToArray().Length, loaded.Checkpoint.Manifest.Files[name].Size);
            }
            // SHA-256 of {"step":40} computed independently.
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("{\"step\":40}"u8)),
                loaded.Checkpoint.Manifest.Files[BlobPaths.StateFile].Sha256);
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task A_commit_survives_transient_failures_and_writes_the_manifest_last()
    {
        await Azurite.EnsureRunningAsync();
        var transport = new FaultyTransport(failures: 2, onlyPathContaining: "/step-000040/model.safetensors");
        var options = new BlobStoreOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryAttempts = 3 };
        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, $"ckpt-{Guid.NewGuid():N}", options, transport: transport);
        await blobs.EnsureContainerAsync();
        try
        {
            var store = new CheckpointStore(blobs, new FixedTime(Now));
            // The model upload fails twice (injected network errors) and succeeds on its third attempt.
            Assert.IsType<CheckpointCommitResult.Committed>(await store.CommitAsync(Exp, Run, 40, Files(40), "cfg"));

            var puts = transport.Log.Where(l => l.StartsWith("PUT ", StringComparison.Ordinal) && l.Contains("/step-", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, puts.Count(l => l.EndsWith("/model.safetensors", StringComparison.Ordinal)));
            Assert.Equal(6, puts.Count); // model ×3 (two failed), optimizer, state, then the manifest
            Assert.EndsWith("/step-000040/manifest.json", puts[^1], StringComparison.Ordinal);
            Assert.Equal(40, (await store.TryLoadLatestIntactAsync(Exp, Run)).Checkpoint!.Step);
        }
        finally
        {
            await new Azure.Storage.Blobs.BlobContainerClient(Azurite.ConnectionString, blobs.Uri.Segments[^1].TrimEnd('/')).DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Committing_the_same_step_again_is_idempotent_and_other_content_is_a_conflict()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            Assert.IsType<CheckpointCommitResult.Committed>(await store.CommitAsync(Exp, Run, 20, Files(20), "cfg"));
            Assert.IsType<CheckpointCommitResult.AlreadyCommitted>(await store.CommitAsync(Exp, Run, 20, Files(20), "cfg"));

            var conflict = Assert.IsType<CheckpointCommitResult.Conflict>(await store.CommitAsync(Exp, Run, 20, Files(21), "cfg"));
            Assert.Contains("different file contents", conflict.Reason, StringComparison.Ordinal);
            Assert.IsType<CheckpointCommitResult.Conflict>(await store.CommitAsync(Exp, Run, 20, Files(20), "other cfg"));

            // The committed bytes are untouched by the refused commits.
            var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(Files(20)[BlobPaths.ModelFile].ToArray(), loaded.Checkpoint!.Files[BlobPaths.ModelFile].ToArray());
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Flipped_bytes_in_the_latest_checkpoint_fall_back_to_the_previous_and_report_why()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            await store.CommitAsync(Exp, Run, 20, Files(20), "cfg");
            await store.CommitAsync(Exp, Run, 40, Files(40), "cfg");
            byte[] corrupt = Files(40)[BlobPaths.ModelFile].ToArray();
            corrupt[100] ^= 0xFF; // same size, one byte flipped: only the SHA-256 can tell
            await container.GetBlobClient(BlobPaths.CheckpointFile(Exp, Run, 40, BlobPaths.ModelFile)).UploadAsync(BinaryData.FromBytes(corrupt), overwrite: true);

            var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(20, loaded.Checkpoint!.Step);
            var skipped = Assert.Single(loaded.Skipped);
            Assert.Equal(40, skipped.Step);
            Assert.Equal("model.safetensors SHA-256 mismatch", skipped.Reason);
            Assert.Equal("step-000040: model.safetensors SHA-256 mismatch", skipped.ToString());
            Assert.Equal("checkpoint step-000040 is not usable (model.safetensors SHA-256 mismatch); resuming from step-000020", loaded.Describe());
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task A_folder_without_manifest_is_not_committed_and_is_ignored()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            await store.CommitAsync(Exp, Run, 20, Files(20), "cfg");
            // A crash after uploading the files of step 40 but before its manifest.
            foreach (var (name, content) in Files(40))
                await container.GetBlobClient(BlobPaths.CheckpointFile(Exp, Run, 40, name)).UploadAsync(content);

            Assert.Equal([20], await store.ListStepsAsync(Exp, Run));
            var loaded = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.Equal(20, loaded.Checkpoint!.Step);
            Assert.Equal(new SkippedCheckpoint(40, "manifest.json missing (never committed)"), Assert.Single(loaded.Skipped));

            // Resuming and committing step 40 again replaces the leftovers and commits.
            Assert.IsType<CheckpointCommitResult.Committed>(await store.CommitAsync(Exp, Run, 40, Files(40), "cfg"));
            Assert.Equal(40, (await store.TryLoadLatestIntactAsync(Exp, Run)).Checkpoint!.Step);
        }
        finally
        {
            await container.DeleteIfExistsAsync();
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

            await store.CommitAsync(Exp, Run, 10, Files(10), "cfg");
            await container.GetBlobClient(BlobPaths.CheckpointFile(Exp, Run, 10, BlobPaths.OptimizerFile)).DeleteAsync();
            var broken = await store.TryLoadLatestIntactAsync(Exp, Run);
            Assert.False(broken.Found);
            Assert.Equal("optimizer.bin missing", Assert.Single(broken.Skipped).Reason);
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Retention_keeps_the_last_K_and_the_best()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            foreach (int step in new[] { 10, 20, 30, 40 })
                await store.CommitAsync(Exp, Run, step, Files(step), "cfg");
            var deleted = await store.ApplyRetentionAsync(Exp, Run, keepLast: 2, bestStep: 10);
            Assert.Equal([20], deleted);
            Assert.Equal([10, 30, 40], await store.ListStepsAsync(Exp, Run));
            Assert.Empty(await new ResilientBlobStore(container).ListAsync(BlobPaths.Checkpoint(Exp, Run, 20)));
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Bad_file_names_are_refused_before_anything_is_written()
    {
        var (container, store) = await NewStoreAsync();
        try
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() =>
                store.CommitAsync(Exp, Run, 10, new Dictionary<string, BinaryData> { ["../x"] = BinaryData.FromString("x") }, "cfg"));
            Assert.Contains("'../x'", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ArgumentException>(() =>
                store.CommitAsync(Exp, Run, 10, new Dictionary<string, BinaryData> { [BlobPaths.ManifestFile] = BinaryData.FromString("x") }, "cfg"));
            Assert.Empty(await new ResilientBlobStore(container).ListAsync(""));
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }
}
