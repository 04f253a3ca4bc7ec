using System.Security.Cryptography;

namespace SaEI.Grains.Storage;

/// <summary>
/// Checkpoints in blob storage (ARCHITECTURE.md "Storage"): experiments/{exp}/runs/{run}/checkpoints/step-NNNNNN/.
/// Decisions:
/// 1. Commit = upload every file (overwriting leftovers of a crashed attempt), verify each (size + service MD5, or
///    a full SHA-256 re-read), then write manifest.json LAST with If-None-Match: *. A folder without a manifest is
///    not a checkpoint and loading ignores it.
/// 2. Idempotent: committing a step again with the same bytes and config is AlreadyCommitted; other bytes under a
///    committed step are a Conflict result (never an overwrite), e.g. from a fenced-off worker.
/// 3. Loading verifies every file's SHA-256 and falls back to older checkpoints, reporting each one skipped.
/// 4. Time comes from the injected <see cref="TimeProvider"/> (manifest created_at).
/// </summary>
public sealed class CheckpointStore(ResilientBlobStore store, TimeProvider time, CheckpointStoreOptions? options = null)
{
    private readonly CheckpointStoreOptions options = options ?? new CheckpointStoreOptions();

    /// <summary>Uploads, verifies and commits one checkpoint (manifest last).</summary>
    public async Task<CheckpointCommitResult> CommitAsync(string experiment, string run, int step,
        IReadOnlyDictionary<string, BinaryData> files, string resolvedConfig,
        IReadOnlyDictionary<string, string>? extra = null, CancellationToken cancellation = default)
    {
        string manifestPath = BlobPaths.Manifest(experiment, run, step);
        if (files.Count == 0) throw new ArgumentException($"checkpoint {manifestPath}: no files given.", nameof(files));
        foreach (string name in files.Keys)
        {
            if (name == BlobPaths.ManifestFile)
                throw new ArgumentException($"checkpoint {manifestPath}: '{name}' is written by the store; rename the file.", nameof(files));
            Ids.Require(name, "checkpoint file");
        }
        var manifest = new CheckpointManifest
        {
            Experiment = experiment,
            Run = run,
            Step = step,
            CreatedAt = time.GetUtcNow(),
            Config = resolvedConfig,
            Files = files.OrderBy(f => f.Key, StringComparer.Ordinal)
                .ToDictionary(f => f.Key, f => new CheckpointFileEntry(f.Value.ToMemory().Length, Sha256Hex(f.Value))),
            Extra = extra ?? new Dictionary<string, string>(),
        };

        var existing = await store.ReadAsync(manifestPath, cancellation);
        var condition = WriteCondition.CreateOnly;
        if (existing is BlobReadResult.Found found)
        {
            var committed = CheckpointManifest.TryParse(found.Content, out _);
            if (committed is not null) return Compare(committed, manifest);
            condition = WriteCondition.Matching(found.ETag); // an unreadable manifest: replace exactly that one
        }

        foreach (var (name, content) in files)
            await UploadVerifiedAsync(BlobPaths.CheckpointFile(experiment, run, step, name), content, cancellation);

        var written = await store.WriteAsync(manifestPath, manifest.ToJson(), condition, cancellation);
        if (written is BlobWriteResult.Written) return new CheckpointCommitResult.Committed(manifest);

        // Someone committed first, or our own first attempt did and its answer was lost: compare, never overwrite.
        var winner = await store.ReadAsync(manifestPath, cancellation) is BlobReadResult.Found again
            ? CheckpointManifest.TryParse(again.Content, out _) : null;
        return winner is null
            ? throw new IOException($"checkpoint {manifestPath}: the manifest changed while committing and cannot be read back; retry the commit.")
            : Compare(winner, manifest);
    }

    /// <summary>Steps with a manifest (committed), ascending.</summary>
    public async Task<IReadOnlyList<int>> ListStepsAsync(string experiment, string run, CancellationToken cancellation = default)
    {
        var (committed, _) = await ScanAsync(experiment, run, cancellation);
        return committed;
    }

    /// <summary>The newest intact checkpoint, falling back to older ones; every newer one skipped is reported.</summary>
    public async Task<CheckpointLoadResult> TryLoadLatestIntactAsync(string experiment, string run, CancellationToken cancellation = default)
    {
        var (committed, all) = await ScanAsync(experiment, run, cancellation);
        var skipped = new List<SkippedCheckpoint>();
        foreach (int step in all.OrderByDescending(s => s))
        {
            if (!committed.Contains(step))
            {
                skipped.Add(new SkippedCheckpoint(step, "manifest.json missing (never committed)"));
                continue;
            }
            var (checkpoint, reason) = await LoadStepAsync(experiment, run, step, cancellation);
            if (checkpoint is not null) return new CheckpointLoadResult(checkpoint, skipped);
            skipped.Add(new SkippedCheckpoint(step, reason!));
        }
        return new CheckpointLoadResult(null, skipped);
    }

    /// <summary>One step's checkpoint when it is committed and intact; else the reason in Skipped.</summary>
    public async Task<CheckpointLoadResult> TryLoadAsync(string experiment, string run, int step, CancellationToken cancellation = default)
    {
        var (checkpoint, reason) = await LoadStepAsync(experiment, run, step, cancellation);
        return new CheckpointLoadResult(checkpoint, checkpoint is null ? [new SkippedCheckpoint(step, reason!)] : []);
    }

    /// <summary>Deletes committed checkpoints except the newest <paramref name="keepLast"/> and <paramref name="bestStep"/>;
    /// the manifest goes first so a half-deleted checkpoint is never taken for a committed one. Returns the deleted steps.</summary>
    public async Task<IReadOnlyList<int>> ApplyRetentionAsync(string experiment, string run, int keepLast, int? bestStep = null,
        CancellationToken cancellation = default)
    {
        if (keepLast < 1) throw new ArgumentOutOfRangeException(nameof(keepLast), keepLast, "keep at least the last checkpoint (set 1 or more).");
        var (committed, _) = await ScanAsync(experiment, run, cancellation);
        var keep = committed.OrderByDescending(s => s).Take(keepLast).ToHashSet();
        if (bestStep is { } best) keep.Add(best);
        var deleted = new List<int>();
        foreach (int step in committed.Where(s => !keep.Contains(s)))
        {
            await store.DeleteAsync(BlobPaths.Manifest(experiment, run, step), cancellation: cancellation);
            foreach (var blob in await store.ListAsync(BlobPaths.Checkpoint(experiment, run, step), cancellation))
                await store.DeleteAsync(blob.Path, cancellation: cancellation);
            deleted.Add(step);
        }
        return deleted;
    }

    private async Task<(LoadedCheckpoint? Checkpoint, string? Reason)> LoadStepAsync(string experiment, string run, int step, CancellationToken cancellation)
    {
        if (await store.ReadAsync(BlobPaths.Manifest(experiment, run, step), cancellation) is not BlobReadResult.Found found)
            return (null, "manifest.json missing (never committed)");
        var manifest = CheckpointManifest.TryParse(found.Content, out string? error);
        if (manifest is null) return (null, error);
        if (manifest.Step != step || manifest.Experiment != experiment || manifest.Run != run)
            return (null, $"manifest.json describes {manifest.Experiment}/{manifest.Run}/{BlobPaths.StepName(manifest.Step)}, not this folder");
        var contents = new Dictionary<string, BinaryData>(StringComparer.Ordinal);
        foreach (var (name, entry) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (Ids.Check(name, "checkpoint file") is { } bad) return (null, $"manifest.json names a bad file: {bad}");
            if (await store.ReadAsync(BlobPaths.CheckpointFile(experiment, run, step, name), cancellation) is not BlobReadResult.Found file)
                return (null, $"{name} missing");
            long size = file.Content.ToMemory().Length;
            if (size != entry.Size) return (null, $"{name} size mismatch ({size} bytes, manifest says {entry.Size})");
            if (Sha256Hex(file.Content) != entry.Sha256) return (null, $"{name} SHA-256 mismatch");
            contents[name] = file.Content;
        }
        return (new LoadedCheckpoint(manifest, contents), null);
    }

    /// <summary>One listing: the committed steps and every step that has any blob.</summary>
    private async Task<(IReadOnlyList<int> Committed, IReadOnlyList<int> All)> ScanAsync(string experiment, string run, CancellationToken cancellation)
    {
        string prefix = BlobPaths.Checkpoints(experiment, run);
        var committed = new SortedSet<int>();
        var all = new SortedSet<int>();
        foreach (var blob in await store.ListAsync(prefix, cancellation))
        {
            string[] parts = blob.Path[prefix.Length..].Split('/');
            if (parts.Length != 2 || !BlobPaths.TryParseStep(parts[0], out int step)) continue;
            all.Add(step);
            if (parts[1] == BlobPaths.ManifestFile) committed.Add(step);
        }
        return (committed.ToList(), all.ToList());
    }

    private async Task UploadVerifiedAsync(string path, BinaryData content, CancellationToken cancellation)
    {
        await store.WriteAsync(path, content, WriteCondition.Overwrite, cancellation);
        long size = content.ToMemory().Length;
        var info = await store.GetInfoAsync(path, cancellation)
            ?? throw new IOException($"checkpoint file {path} is missing right after its upload; retry the commit.");
        if (info.Size != size)
            throw new IOException($"checkpoint file {path} has {info.Size} bytes after upload, expected {size}; retry the commit.");
        if (info.ContentMd5 is { } md5 && !md5.AsSpan().SequenceEqual(MD5.HashData(content.ToMemory().Span)))
            throw new IOException($"checkpoint file {path}: stored MD5 differs from the uploaded bytes; retry the commit.");
        if (options.VerifyByDownload &&
            (await store.ReadAsync(path, cancellation) is not BlobReadResult.Found back || Sha256Hex(back.Content) != Sha256Hex(content)))
            throw new IOException($"checkpoint file {path}: bytes read back differ from the upload (SHA-256); retry the commit.");
    }

    private static CheckpointCommitResult Compare(CheckpointManifest committed, CheckpointManifest attempted) =>
        committed.SameContentAs(attempted)
            ? new CheckpointCommitResult.AlreadyCommitted(committed)
            : new CheckpointCommitResult.Conflict(committed,
                $"{BlobPaths.StepName(committed.Step)} of {committed.Experiment}/{committed.Run} is already committed with different " +
                (committed.Config != attempted.Config ? "config" : "file contents") + "; it is kept unchanged");

    internal static string Sha256Hex(BinaryData content) => Convert.ToHexStringLower(SHA256.HashData(content.ToMemory().Span));
}
