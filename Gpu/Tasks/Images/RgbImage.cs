namespace SaEI.Gpu.Tasks.Images;

/// <summary>
/// An 8-bit RGB image: <see cref="Rgb"/> holds Height·Width·3 bytes, row-major, channels interleaved (R,G,B).
/// Cheap to hash, compare and serialise; equality compares pixels, not references.
/// </summary>
public sealed record RgbImage
{
    public RgbImage(int width, int height, byte[] rgb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.Length != checked(width * height * 3))
            throw new ArgumentException(
                $"RgbImage {width}x{height} needs {width * height * 3} bytes, got {rgb.Length}.",
                nameof(rgb)
            );
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Pixels, [H,W,3] row-major.</summary>
    public byte[] Rgb { get; }

    /// <summary>A blank image of one colour.</summary>
    public static RgbImage Filled(int width, int height, Rgb colour)
    {
        var rgb = new byte[checked(width * height * 3)];
        for (int i = 0; i < rgb.Length; i += 3)
        {
            rgb[i] = colour.R;
            rgb[i + 1] = colour.G;
            rgb[i + 2] = colour.B;
        }
        return new RgbImage(width, height, rgb);
    }

    /// <summary>The colour at (x, y).</summary>
    public Rgb this[int x, int y]
    {
        get
        {
            int i = ((y * Width) + x) * 3;
            return new Rgb(Rgb[i], Rgb[i + 1], Rgb[i + 2]);
        }
    }

    public bool Equals(RgbImage? other) =>
        other is not null && Width == other.Width && Height == other.Height && Rgb.AsSpan().SequenceEqual(other.Rgb);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Width);
        hash.Add(Height);
        hash.AddBytes(Rgb);
        return hash.ToHashCode();
    }
}

/// <summary>One 8-bit RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B);
