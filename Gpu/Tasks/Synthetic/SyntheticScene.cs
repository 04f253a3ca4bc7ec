using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>What a synthetic image shows, as drawn: for tests that read the answer back from the pixels, and for
/// debugging. Coordinates are pixels of the rendered image.</summary>
internal sealed record SyntheticScene(string Kind, IReadOnlyList<SceneBox> Boxes, IReadOnlyList<SceneText> Texts);

/// <summary>A drawn object (shape, bar, figure) with its colour name and bounding box [X, X+Width) × [Y,
/// Y+Height).</summary>
internal sealed record SceneBox(string Kind, string Colour, int X, int Y, int Width, int Height);

/// <summary>A number written with <see cref="BitmapFont"/>; (X, Y) is the top-left corner; Role says what it
/// labels.</summary>
internal sealed record SceneText(int Value, int X, int Y, int Scale, Rgb Colour, string Role);

/// <summary>One generated problem before it becomes a <see cref="Data.VisualProblem"/>.</summary>
internal sealed record SyntheticDraft(
    SyntheticFamily Family,
    string Question,
    int Answer,
    RgbImage Image,
    SyntheticScene Scene
);

/// <summary>Places non-overlapping boxes at random, keeping a gap so that drawn objects never touch.</summary>
internal sealed class BoxLayout(int size, int border, int gap)
{
    private readonly List<(int X, int Y, int Width, int Height)> placed = [];

    /// <summary>Top-left corner of a free width×height box, or null after <paramref name="attempts"/> misses.</summary>
    public (int X, int Y)? TryPlace(ref SplitMix64 random, int width, int height, int attempts = 200)
    {
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            int x = random.Next(border, size - border - width),
                y = random.Next(border, size - border - height);
            if (
                placed.Any(box =>
                    x < box.X + box.Width + gap
                    && box.X < x + width + gap
                    && y < box.Y + box.Height + gap
                    && box.Y < y + height + gap
                )
            )
                continue;
            placed.Add((x, y, width, height));
            return (x, y);
        }
        return null;
    }
}
