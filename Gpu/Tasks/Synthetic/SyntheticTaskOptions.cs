namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>Which split of the synthetic task to draw.</summary>
public enum SyntheticSplit
{
    Train,
    Test,
}

/// <summary>Options of the synthetic visual-reasoning task (the CPU stand-in for Geometry3K).</summary>
public sealed record SyntheticTaskOptions
{
    /// <summary>Families to draw from, uniformly. Default: all four.</summary>
    public IReadOnlyList<SyntheticFamily> Families { get; init; } =
    [SyntheticFamily.Counting, SyntheticFamily.Sum, SyntheticFamily.Length, SyntheticFamily.Geometry];

    /// <summary>Difficulty 1-3 (more objects, larger numbers, smaller shapes). Default 1 (CPU: the tiny
    /// model).</summary>
    public int Difficulty { get; init; } = 1;

    /// <summary>Square image side in pixels. Default 64 (the tiny model's input); content is designed at 64 and
    /// scaled.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>Seed of the candidate stream. Both splits of one seed come from the same stream. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>The split. Default train.</summary>
    public SyntheticSplit Split { get; init; } = SyntheticSplit.Train;

    /// <summary>Share of candidates that belong to the test split, by content hash. Default 0.2.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Throws with the option name and the allowed range.</summary>
    public void Validate()
    {
        if (Families is not { Count: > 0 })
            throw new ArgumentException(
                "Set at least one synthetic family (counting, sum, length, geometry, compare).",
                nameof(Families)
            );
        if (Difficulty is < 1 or > 3)
            throw new ArgumentOutOfRangeException(nameof(Difficulty), Difficulty, "Set difficulty to 1, 2 or 3.");
        if (ImageSize is < 32 or > 1024)
            throw new ArgumentOutOfRangeException(
                nameof(ImageSize),
                ImageSize,
                "Set image_size in [32, 1024] (64 is the design size)."
            );
        if (TestFraction is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(
                nameof(TestFraction),
                TestFraction,
                "Set test_fraction in (0, 1), e.g. 0.2."
            );
    }
}
