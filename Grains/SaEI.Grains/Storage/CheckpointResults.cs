namespace SaEI.Grains.Storage;

/// <summary>The outcome of <see cref="CheckpointStore.CommitAsync"/>.</summary>
public abstract record CheckpointCommitResult(int Step)
{
    /// <summary>This call uploaded, verified and wrote the manifest.</summary>
    public sealed record Committed(CheckpointManifest Manifest) : CheckpointCommitResult(Manifest.Step);

    /// <summary>The same step with the same content was already committed (a retried or resumed commit); nothing
    /// written.</summary>
    public sealed record AlreadyCommitted(CheckpointManifest Manifest) : CheckpointCommitResult(Manifest.Step);

    /// <summary>The step is committed with OTHER content (e.g. by a fenced-off worker); nothing was changed.</summary>
    public sealed record Conflict(CheckpointManifest Existing, string Reason) : CheckpointCommitResult(Existing.Step);
}

/// <summary>A checkpoint passed over while loading, and why (e.g. "model.safetensors SHA-256 mismatch").</summary>
public sealed record SkippedCheckpoint(int Step, string Reason)
{
    public override string ToString() => $"{BlobPaths.StepName(Step)}: {Reason}";
}

/// <summary>
/// A checkpoint whose manifest exists and whose every file matched its size and SHA-256, downloaded into a local
/// staging folder (<see cref="CheckpointStaging"/>); the caller reads the files from there. Disposing deletes it.
/// </summary>
public sealed class LoadedCheckpoint(CheckpointManifest manifest, StagingFolder folder) : IDisposable
{
    public CheckpointManifest Manifest { get; } = manifest;

    public int Step => Manifest.Step;

    /// <summary>The local folder that holds the files.</summary>
    public StagingFolder Folder { get; } = folder;

    /// <summary>The local path of one of the checkpoint's files.</summary>
    public string PathOf(string name) =>
        Manifest.Files.ContainsKey(name)
            ? Folder.PathOf(name)
            : throw new ArgumentException(
                $"checkpoint {BlobPaths.StepName(Step)} has no file '{name}' (it has: "
                    + $"{string.Join(", ", Manifest.Files.Keys.Order(StringComparer.Ordinal))}).",
                nameof(name)
            );

    public void Dispose() => Folder.Dispose();
}

/// <summary>
/// The newest intact checkpoint (null when none) and the newer ones skipped on the way, newest first, so the caller
/// can log "checkpoint step-000040 is corrupt (model.safetensors SHA-256 mismatch); resuming from step-000020".
/// </summary>
public sealed record CheckpointLoadResult(LoadedCheckpoint? Checkpoint, IReadOnlyList<SkippedCheckpoint> Skipped)
    : IDisposable
{
    /// <summary>Deletes the checkpoint's local folder.</summary>
    public void Dispose() => Checkpoint?.Dispose();

    public bool Found => Checkpoint is not null;

    /// <summary>One line for the log, e.g. "checkpoint step-000040 is not usable (model.safetensors SHA-256 mismatch);
    /// resuming from step-000020".</summary>
    public string Describe()
    {
        string skipped = string.Concat(
            Skipped.Select(s => $"checkpoint {BlobPaths.StepName(s.Step)} is not usable ({s.Reason}); ")
        );
        return skipped
            + (
                Checkpoint is { } c
                    ? $"resuming from {BlobPaths.StepName(c.Step)}"
                    : "no intact checkpoint: starting from step 0"
            );
    }
}

/// <summary>Checkpoint settings ("Saei:Checkpoints").</summary>
public sealed record CheckpointStoreOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Saei:Checkpoints";

    /// <summary>Root of the local staging folders (<see cref="CheckpointStaging"/>); default
    /// <see cref="CheckpointStaging.DefaultRoot"/>.</summary>
    public string? StagingDirectory { get; init; }

    /// <summary>Re-download every file after upload and compare SHA-256 (costs a second transfer). Default false: every
    /// block is MD5-validated by the service on upload and the committed size is re-read instead.</summary>
    public bool VerifyByDownload { get; init; }
}
