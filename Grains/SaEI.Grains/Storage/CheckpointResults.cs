namespace SaEI.Grains.Storage;

/// <summary>The outcome of <see cref="CheckpointStore.CommitAsync"/>.</summary>
public abstract record CheckpointCommitResult(int Step)
{
    /// <summary>This call uploaded, verified and wrote the manifest.</summary>
    public sealed record Committed(CheckpointManifest Manifest) : CheckpointCommitResult(Manifest.Step);

    /// <summary>The same step with the same content was already committed (a retried or resumed commit); nothing written.</summary>
    public sealed record AlreadyCommitted(CheckpointManifest Manifest) : CheckpointCommitResult(Manifest.Step);

    /// <summary>The step is committed with OTHER content (e.g. by a fenced-off worker); nothing was changed.</summary>
    public sealed record Conflict(CheckpointManifest Existing, string Reason) : CheckpointCommitResult(Existing.Step);
}

/// <summary>A checkpoint passed over while loading, and why (e.g. "model.safetensors SHA-256 mismatch").</summary>
public sealed record SkippedCheckpoint(int Step, string Reason)
{
    public override string ToString() => $"{BlobPaths.StepName(Step)}: {Reason}";
}

/// <summary>A checkpoint whose manifest exists and whose every file matched its SHA-256.</summary>
public sealed record LoadedCheckpoint(CheckpointManifest Manifest, IReadOnlyDictionary<string, BinaryData> Files)
{
    public int Step => Manifest.Step;
}

/// <summary>
/// The newest intact checkpoint (null when none) and the newer ones skipped on the way, newest first, so the caller
/// can log "checkpoint step-000040 is corrupt (model.safetensors SHA-256 mismatch); resuming from step-000020".
/// </summary>
public sealed record CheckpointLoadResult(LoadedCheckpoint? Checkpoint, IReadOnlyList<SkippedCheckpoint> Skipped)
{
    public bool Found => Checkpoint is not null;

    /// <summary>One line for the log, e.g. "checkpoint step-000040 is not usable (model.safetensors SHA-256 mismatch);
    /// resuming from step-000020".</summary>
    public string Describe()
    {
        string skipped = string.Concat(Skipped.Select(s => $"checkpoint {BlobPaths.StepName(s.Step)} is not usable ({s.Reason}); "));
        return skipped + (Checkpoint is { } c ? $"resuming from {BlobPaths.StepName(c.Step)}" : "no intact checkpoint: starting from step 0");
    }
}

/// <summary>Checkpoint settings.</summary>
public sealed record CheckpointStoreOptions
{
    /// <summary>Re-download every file after upload and compare SHA-256 (costs a second transfer). Default false: the
    /// upload is MD5-validated by the service and its size and stored MD5 are re-read instead.</summary>
    public bool VerifyByDownload { get; init; }
}
