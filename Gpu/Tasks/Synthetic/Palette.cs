using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>The colours of the synthetic images: few, saturated and far apart so a 64×64 image stays readable.
/// Drawing never blends, so every drawn pixel has exactly one of these values.</summary>
public static class Palette
{
    public static readonly Rgb Background = new(255, 255, 255);
    public static readonly Rgb Ink = new(0, 0, 0);
    public static readonly Rgb Label = new(0, 70, 220);

    /// <summary>Named shape/bar colours, in the order difficulty levels take them.</summary>
    public static IReadOnlyList<(string Name, Rgb Colour)> Named { get; } =
    [
        ("red", new Rgb(220, 30, 30)),
        ("blue", new Rgb(30, 80, 230)),
        ("green", new Rgb(20, 160, 40)),
        ("yellow", new Rgb(240, 190, 0)),
    ];

    /// <summary>The colour called <paramref name="name"/>.</summary>
    public static Rgb ByName(string name) => Named.First(entry => entry.Name == name).Colour;
}
