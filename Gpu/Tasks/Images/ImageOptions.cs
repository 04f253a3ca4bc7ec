namespace SaEI.Gpu.Tasks.Images;

/// <summary>How images are sized for the model.</summary>
public sealed record ImageOptions
{
    /// <summary>Lower bound on w·h after resizing (EasyR1 <c>data.min_pixels</c>: 262144 = 512²).</summary>
    public long MinPixels { get; init; } = 262_144;

    /// <summary>Upper bound on w·h after resizing (EasyR1 <c>data.max_pixels</c>: 4194304 = 2048²).</summary>
    public long MaxPixels { get; init; } = 4_194_304;

    /// <summary>When set, every image is resized to this square size instead (TinyVlm on CPU: e.g. 64). Default
    /// null.</summary>
    public int? FixedSize { get; init; }

    /// <summary>Decoding limits.</summary>
    public ImageLimits Limits { get; init; } = ImageLimits.Default;

    /// <summary>Throws with the option name when a value is out of range.</summary>
    public void Validate()
    {
        if (MinPixels < 0)
            throw new ArgumentOutOfRangeException(nameof(MinPixels), MinPixels, "Set min_pixels ≥ 0.");
        if (MaxPixels < 1 || MaxPixels < MinPixels)
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "Set max_pixels ≥ max(1, min_pixels).");
        if (FixedSize is < 1)
            throw new ArgumentOutOfRangeException(
                nameof(FixedSize),
                FixedSize,
                "Set fixed_size ≥ 1 or leave it unset."
            );
        Limits.Validate();
    }
}
