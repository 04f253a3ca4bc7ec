using System.Globalization;
using System.Security.Cryptography;

namespace SaEI.Grains.Storage;

/// <summary>
/// Checkpoints in blob storage (docs/architecture.md §4): experiments/{exp}/runs/{run}/checkpoints/step-NNNNNN/.
/// A checkpoint in transit is a local folder of files (<see cref="CheckpointStaging"/>), never a byte array.
/// Decisions:
/// 1. Commit = upload every file of the folder in parallel blocks, hashing it (SHA-256) while it is read
///    (<see cref="ResilientBlobStore.UploadFileAsync"/>; overwriting leftovers of a crashed attempt), verify each
///    (committed size, or a full SHA-256 re-read), then write manifest.json LAST with If-None-Match: *. A folder
///    without a manifest is not a checkpoint and loading ignores it.
/// 2. Idempotent: committing a step again with the same bytes and config is AlreadyCommitted; other bytes under a
///    committed step are a Conflict result (never an overwrite), e.g. from a fenced-off worker.
/// 3. Loading downloads every file into a staging folder, hashing while writing, checks size and SHA-256 against
///    the manifest and falls back to older checkpoints, reporting each one skipped.
/// 4. Retention (<see cref="ApplyRetentionAsync"/>): after a newer manifest is committed, older checkpoints beyond
///    keep_last go, manifest first; the best in-domain one stays (<see cref="InDomainAccuracyKey"/>).
/// 5. Time comes from the injected <see cref="TimeProvider"/> (manifest created_at).
/// </summary>
public sealed class CheckpointStore(ResilientBlobStore store, TimeProvider time, CheckpointStoreOptions? options = null)
{
    /// <summary>Manifest extra holding the in-domain accuracy measured at the checkpoint's step (invariant
    /// "R").</summary>
    public const string InDomainAccuracyKey = "in_domain_accuracy";

    private readonly CheckpointStoreOptions options = options ?? new CheckpointStoreOptions();

    /// <summary>Where loads download to and where callers stage the checkpoints they commit.</summary>
    public CheckpointStaging Staging { get; } = new((options ?? new CheckpointStoreOptions()).StagingDirectory);

    /// <summary>Uploads, verifies and commits the files of <paramref name="directory"/> as one checkpoint (manifest
    /// last).</summary>
    public async Task<CheckpointCommitResult> CommitAsync(
        string experiment,
        string run,
        int step,
        string directory,
        string resolvedConfig,
        IReadOnlyDictionary<string, string>? extra = null,
        CancellationToken cancellation = default
    )
    {
        string manifestPath = BlobPaths.Manifest(experiment, run, step);
        var files = FilesOf(directory, manifestPath);
        var existing = await store.ReadAsync(manifestPath, cancellation);
        var condition = WriteCondition.CreateOnly;
        if (existing is BlobReadResult.Found found)
        {
            var committed = CheckpointManifest.TryParse(found.Content, out _);
            if (committed is not null)
            {
                var local = await HashLocalAsync(files, cancellation);
                return Compare(committed, Manifest(experiment, run, step, resolvedConfig, extra, local));
            }
            condition = WriteCondition.Matching(found.ETag); // an unreadable manifest: replace exactly that one
        }

        var entries = new Dictionary<string, CheckpointFileEntry>(StringComparer.Ordinal);
        foreach (var (name, file) in files)
        {
            string path = BlobPaths.CheckpointFile(experiment, run, step, name);
            entries[name] = await UploadVerifiedAsync(path, file, cancellation);
        }
        var manifest = Manifest(experiment, run, step, resolvedConfig, extra, entries);

        var written = await store.WriteAsync(manifestPath, manifest.ToJson(), condition, cancellation);
        if (written is BlobWriteResult.Written)
            return new CheckpointCommitResult.Committed(manifest);

        // Someone committed first, or our own first attempt did and its answer was lost: compare, never overwrite.
        var winner = await store.ReadAsync(manifestPath, cancellation) is BlobReadResult.Found again
            ? CheckpointManifest.TryParse(again.Content, out _)
            : null;
        return winner is null
            ? throw new IOException(
                $"checkpoint {manifestPath}: the manifest changed while committing and cannot be read back; retry "
                    + $"the commit."
            )
            : Compare(winner, manifest);
    }

    /// <summary>Steps with a manifest (committed), ascending.</summary>
    public async Task<IReadOnlyList<int>> ListStepsAsync(
        string experiment,
        string run,
        CancellationToken cancellation = default
    )
    {
        var (committed, _) = await ScanAsync(experiment, run, cancellation);
        return committed;
    }

    /// <summary>The newest intact checkpoint, falling back to older ones; every newer one skipped is reported.
    /// Dispose the result to delete the local copy.</summary>
    public async Task<CheckpointLoadResult> TryLoadLatestIntactAsync(
        string experiment,
        string run,
        CancellationToken cancellation = default
    )
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
            var (checkpoint, reason) = await LoadStepAsync(experiment, run, step, null, cancellation);
            if (checkpoint is not null)
                return new CheckpointLoadResult(checkpoint, skipped);
            skipped.Add(new SkippedCheckpoint(step, reason!));
        }
        return new CheckpointLoadResult(null, skipped);
    }

    /// <summary>One step's checkpoint when it is committed and intact; else the reason in Skipped. With
    /// <paramref name="only"/>, only those files are downloaded and checked (e.g. the weights, to evaluate).</summary>
    public async Task<CheckpointLoadResult> TryLoadAsync(
        string experiment,
        string run,
        int step,
        IReadOnlyCollection<string>? only = null,
        CancellationToken cancellation = default
    )
    {
        var (checkpoint, reason) = await LoadStepAsync(experiment, run, step, only, cancellation);
        return new CheckpointLoadResult(checkpoint, checkpoint is null ? [new SkippedCheckpoint(step, reason!)] : []);
    }

    /// <summary>
    /// Deletes committed checkpoints except the newest <paramref name="keepLast"/> and the best in-domain one:
    /// <paramref name="bestStep"/> when given, else the step whose manifest records the highest
    /// <see cref="InDomainAccuracyKey"/> (the earliest on a tie, as the run grain picks it). The manifest goes first so
    /// a half-deleted checkpoint is never taken for a committed one. Returns the deleted steps.
    /// </summary>
    public async Task<IReadOnlyList<int>> ApplyRetentionAsync(
        string experiment,
        string run,
        int keepLast,
        int? bestStep = null,
        CancellationToken cancellation = default
    )
    {
        if (keepLast < 1)
            throw new ArgumentOutOfRangeException(
                nameof(keepLast),
                keepLast,
                "keep at least the last checkpoint (set 1 or more)."
            );
        var (committed, _) = await ScanAsync(experiment, run, cancellation);
        var keep = committed.OrderByDescending(s => s).Take(keepLast).ToHashSet();
        if (committed.Count <= keep.Count)
            return [];
        bestStep ??= await BestInDomainStepAsync(experiment, run, committed, cancellation);
        if (bestStep is { } best)
            keep.Add(best);
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

    /// <summary>The committed step with the highest recorded in-domain accuracy (earliest on a tie); null when none
    /// has one.</summary>
    private async Task<int?> BestInDomainStepAsync(
        string experiment,
        string run,
        IReadOnlyList<int> committed,
        CancellationToken cancellation
    )
    {
        (int Step, double Accuracy)? best = null;
        foreach (int step in committed.Order())
        {
            var read = await store.ReadAsync(BlobPaths.Manifest(experiment, run, step), cancellation);
            if (read is not BlobReadResult.Found found)
                continue;
            var manifest = CheckpointManifest.TryParse(found.Content, out _);
            if (
                manifest?.Extra.TryGetValue(InDomainAccuracyKey, out string? text) != true
                || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double accuracy)
            )
                continue;
            if (best is null || accuracy > best.Value.Accuracy)
                best = (step, accuracy);
        }
        return best?.Step;
    }

    private async Task<(LoadedCheckpoint? Checkpoint, string? Reason)> LoadStepAsync(
        string experiment,
        string run,
        int step,
        IReadOnlyCollection<string>? only,
        CancellationToken cancellation
    )
    {
        if (
            await store.ReadAsync(BlobPaths.Manifest(experiment, run, step), cancellation)
            is not BlobReadResult.Found found
        )
            return (null, "manifest.json missing (never committed)");
        var manifest = CheckpointManifest.TryParse(found.Content, out string? error);
        if (manifest is null)
            return (null, error);
        if (manifest.Step != step || manifest.Experiment != experiment || manifest.Run != run)
            return (
                null,
                $"manifest.json describes {manifest.Experiment}/{manifest.Run}/{BlobPaths.StepName(manifest.Step)}, "
                    + $"not this folder"
            );
        foreach (string name in manifest.Files.Keys)
            if (Ids.Check(name, "checkpoint file") is { } bad)
                return (null, $"manifest.json names a bad file: {bad}");
        if (only?.FirstOrDefault(name => !manifest.Files.ContainsKey(name)) is { } absent)
            return (null, $"manifest.json does not list {absent}");
        var folder = Staging.Create(BlobPaths.StepName(step));
        try
        {
            foreach (var (name, entry) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                if (only is not null && !only.Contains(name))
                    continue;
                string path = BlobPaths.CheckpointFile(experiment, run, step, name);
                var file = await store.DownloadFileAsync(path, folder.PathOf(name), entry.Size, cancellation);
                string? reason =
                    file is null ? $"{name} missing"
                    : file.Size != entry.Size ? $"{name} size mismatch ({file.Size} bytes, manifest says {entry.Size})"
                    : file.Sha256 != entry.Sha256 ? $"{name} SHA-256 mismatch"
                    : null;
                if (reason is not null)
                {
                    folder.Dispose();
                    return (null, reason);
                }
            }
            return (new LoadedCheckpoint(manifest, folder), null);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>One listing: the committed steps and every step that has any blob.</summary>
    private async Task<(IReadOnlyList<int> Committed, IReadOnlyList<int> All)> ScanAsync(
        string experiment,
        string run,
        CancellationToken cancellation
    )
    {
        string prefix = BlobPaths.Checkpoints(experiment, run);
        var committed = new SortedSet<int>();
        var all = new SortedSet<int>();
        foreach (var blob in await store.ListAsync(prefix, cancellation))
        {
            string[] parts = blob.Path[prefix.Length..].Split('/');
            if (parts.Length != 2 || !BlobPaths.TryParseStep(parts[0], out int step))
                continue;
            all.Add(step);
            if (parts[1] == BlobPaths.ManifestFile)
                committed.Add(step);
        }
        return (committed.ToList(), all.ToList());
    }

    private async Task<CheckpointFileEntry> UploadVerifiedAsync(
        string path,
        string file,
        CancellationToken cancellation
    )
    {
        var upload = await store.UploadFileAsync(path, file, cancellation);
        var info =
            await store.GetInfoAsync(path, cancellation)
            ?? throw new IOException($"checkpoint file {path} is missing right after its upload; retry the commit.");
        if (info.Size != upload.Size)
            throw new IOException(
                $"checkpoint file {path} has {info.Size} bytes after upload, expected {upload.Size}; retry the commit."
            );
        if (
            options.VerifyByDownload
            && (await store.DownloadFileAsync(path, null, upload.Size, cancellation))?.Sha256 != upload.Sha256
        )
            throw new IOException(
                $"checkpoint file {path}: bytes read back differ from the upload (SHA-256); retry the commit."
            );
        return new CheckpointFileEntry(upload.Size, upload.Sha256!);
    }

    /// <summary>The regular files of <paramref name="directory"/> by name, checked: at least one, valid names, no
    /// manifest.</summary>
    private static SortedDictionary<string, string> FilesOf(string directory, string manifestPath)
    {
        if (!Directory.Exists(directory))
            throw new ArgumentException(
                $"checkpoint {manifestPath}: folder '{directory}' does not exist; stage the files first.",
                nameof(directory)
            );
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFileSystemEntries(directory))
        {
            string name = Path.GetFileName(path);
            if (name == BlobPaths.ManifestFile)
                throw new ArgumentException(
                    $"checkpoint {manifestPath}: '{name}' is written by the store; rename the file.",
                    nameof(directory)
                );
            Ids.Require(name, "checkpoint file");
            if (!File.Exists(path))
                throw new ArgumentException(
                    $"checkpoint {manifestPath}: '{name}' is not a regular file; a checkpoint folder holds only files.",
                    nameof(directory)
                );
            files[name] = path;
        }
        if (files.Count == 0)
            throw new ArgumentException(
                $"checkpoint {manifestPath}: no files given (folder '{directory}' is empty).",
                nameof(directory)
            );
        return files;
    }

    /// <summary>Size and SHA-256 of local files, streamed (only to compare with a checkpoint committed
    /// before).</summary>
    private static async Task<Dictionary<string, CheckpointFileEntry>> HashLocalAsync(
        IReadOnlyDictionary<string, string> files,
        CancellationToken cancellation
    )
    {
        var entries = new Dictionary<string, CheckpointFileEntry>(StringComparer.Ordinal);
        foreach (var (name, path) in files)
        {
            await using var stream = new FileStream(
                path,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                1 << 20,
                FileOptions.SequentialScan
            );
            byte[] sha = await SHA256.HashDataAsync(stream, cancellation);
            entries[name] = new CheckpointFileEntry(stream.Length, Convert.ToHexStringLower(sha));
        }
        return entries;
    }

    private CheckpointManifest Manifest(
        string experiment,
        string run,
        int step,
        string config,
        IReadOnlyDictionary<string, string>? extra,
        IReadOnlyDictionary<string, CheckpointFileEntry> files
    ) =>
        new()
        {
            Experiment = experiment,
            Run = run,
            Step = step,
            CreatedAt = time.GetUtcNow(),
            Config = config,
            Files = files.OrderBy(f => f.Key, StringComparer.Ordinal).ToDictionary(f => f.Key, f => f.Value),
            Extra = extra ?? new Dictionary<string, string>(),
        };

    private static CheckpointCommitResult Compare(CheckpointManifest committed, CheckpointManifest attempted) =>
        committed.SameContentAs(attempted)
            ? new CheckpointCommitResult.AlreadyCommitted(committed)
            : new CheckpointCommitResult.Conflict(
                committed,
                $"{BlobPaths.StepName(committed.Step)} of {committed.Experiment}/{committed.Run} is already "
                    + $"committed with different "
                    + (committed.Config != attempted.Config ? "config" : "file contents")
                    + "; it is kept unchanged"
            );
}
