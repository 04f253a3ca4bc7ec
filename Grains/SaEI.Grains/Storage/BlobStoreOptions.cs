namespace SaEI.Grains.Storage;

/// <summary>
/// Resilience settings of <see cref="ResilientBlobStore"/> (Polly.Core). Defaults follow the Azure SDK's own retry
/// defaults (a few exponential retries from sub-second delays) and Polly's circuit-breaker defaults, with a per-attempt
/// timeout long enough for one checkpoint file.
/// </summary>
public sealed record BlobStoreOptions
{
    /// <summary>Retries after the first attempt on transient failures (network, 408, 429, 5xx, attempt timeout).
    /// Default 4.</summary>
    public int MaxRetryAttempts { get; init; } = 4;

    /// <summary>First backoff delay; doubles each retry, with jitter. Default 200 ms.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap of one backoff delay. Default 10 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Random jitter on the backoff (decorrelated, Polly). Default true; tests may turn it off.</summary>
    public bool UseJitter { get; init; } = true;

    /// <summary>Timeout of ONE attempt (also the SDK's network timeout). Default 5 min (a checkpoint file
    /// upload).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Fraction of failed attempts within <see cref="BreakerSamplingDuration"/> that opens the circuit.
    /// Default 0.5 (Polly).</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Attempts needed in the sampling window before the breaker may open. Default 10.</summary>
    public int BreakerMinimumThroughput { get; init; } = 10;

    /// <summary>The breaker's sampling window. Default 30 s (Polly).</summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails calls fast before letting one probe through. Default 15 s.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Bytes of one block of a streamed file transfer (Put Block / ranged Get Blob). Default 8 MiB: large
    /// enough for throughput, small enough that a retried block costs little. Allowed 64 KiB..256 MiB.</summary>
    public int TransferBlockBytes { get; init; } = 8 << 20;

    /// <summary>Blocks of one file in flight at once; memory per transfer is (this + 1) blocks. Default 4.</summary>
    public int TransferConcurrency { get; init; } = 4;

    /// <summary>Send each block's MD5 with Put Block, which the service checks against the body, so a block corrupted
    /// in transit fails and is retried at once. Default true. Off, the file's SHA-256 still catches corruption, but
    /// only at load; and Azurite then computes a CRC64 of every block instead, in JavaScript, which costs it far
    /// more CPU than the MD5.</summary>
    public bool TransferBlockMd5 { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming every out-of-range setting and what to set.</summary>
    public BlobStoreOptions ThrowIfInvalid()
    {
        var errors = new List<string>();
        if (MaxRetryAttempts is < 0 or > 20)
            errors.Add($"{nameof(MaxRetryAttempts)} is {MaxRetryAttempts}; set 0..20 (default 4).");
        if (BaseDelay <= TimeSpan.Zero)
            errors.Add($"{nameof(BaseDelay)} is {BaseDelay}; set a positive delay (default 200 ms).");
        if (MaxDelay < BaseDelay)
            errors.Add($"{nameof(MaxDelay)} is {MaxDelay}; it must be at least {nameof(BaseDelay)} ({BaseDelay}).");
        if (AttemptTimeout <= TimeSpan.Zero)
            errors.Add($"{nameof(AttemptTimeout)} is {AttemptTimeout}; set a positive timeout (default 5 min).");
        if (BreakerFailureRatio is <= 0 or > 1)
            errors.Add($"{nameof(BreakerFailureRatio)} is {BreakerFailureRatio}; set a value in (0, 1] (default 0.5).");
        if (BreakerMinimumThroughput < 2)
            errors.Add(
                $"{nameof(BreakerMinimumThroughput)} is {BreakerMinimumThroughput}; set at least 2 (default 10)."
            );
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
            errors.Add(
                $"{nameof(BreakerSamplingDuration)} is {BreakerSamplingDuration}; set at least 500 ms (default 30 s)."
            );
        if (BreakDuration < TimeSpan.FromMilliseconds(500))
            errors.Add($"{nameof(BreakDuration)} is {BreakDuration}; set at least 500 ms (default 15 s).");
        if (TransferBlockBytes is < 64 << 10 or > 256 << 20)
            errors.Add($"{nameof(TransferBlockBytes)} is {TransferBlockBytes}; set 64 KiB..256 MiB (default 8 MiB).");
        if (TransferConcurrency is < 1 or > 64)
            errors.Add($"{nameof(TransferConcurrency)} is {TransferConcurrency}; set 1..64 (default 4).");
        return errors.Count == 0
            ? this
            : throw new ArgumentException("invalid blob store options: " + string.Join(" ", errors));
    }
}
