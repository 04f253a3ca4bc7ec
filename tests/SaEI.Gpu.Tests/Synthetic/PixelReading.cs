using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tasks.Synthetic;

namespace SaEI.Gpu.Tests.Synthetic;

/// <summary>Reads content back from rendered pixels, independently of how the generator drew it.</summary>
internal static class PixelReading
{
    /// <summary>Connected regions (4-neighbour) of pixels exactly equal to <paramref name="colour"/>.</summary>
    public static int CountRegions(RgbImage image, Rgb colour)
    {
        var seen = new bool[image.Width, image.Height];
        int regions = 0;
        for (int y = 0; y < image.Height; y++)
        for (int x = 0; x < image.Width; x++)
        {
            if (seen[x, y] || image[x, y] != colour)
                continue;
            regions++;
            var stack = new Stack<(int X, int Y)>([(x, y)]);
            seen[x, y] = true;
            while (stack.TryPop(out var p))
                foreach (var (nx, ny) in new[] { (p.X + 1, p.Y), (p.X - 1, p.Y), (p.X, p.Y + 1), (p.X, p.Y - 1) })
                    if (
                        nx >= 0
                        && ny >= 0
                        && nx < image.Width
                        && ny < image.Height
                        && !seen[nx, ny]
                        && image[nx, ny] == colour
                    )
                    {
                        seen[nx, ny] = true;
                        stack.Push((nx, ny));
                    }
        }
        return regions;
    }

    /// <summary>
    /// Reads the number whose first glyph's top-left corner is (x, y): digit cells left to right until a cell holds
    /// no pixel of the colour; each cell must match exactly one glyph of the font (all 15 cells, set ⇔ coloured).
    /// </summary>
    public static int ReadNumber(RgbImage image, int x, int y, int scale, Rgb colour)
    {
        int value = 0,
            digits = 0;
        for (int cellX = x; ; cellX += (BitmapFont.GlyphWidth + 1) * scale, digits++)
        {
            bool Lit(int column, int row)
            {
                int px = cellX + (column * scale),
                    py = y + (row * scale);
                return px < image.Width && py < image.Height && image[px, py] == colour;
            }
            bool any = false;
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
            for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                any |= Lit(column, row);
            if (!any)
                break;
            int[] matches = Enumerable
                .Range(0, 10)
                .Where(digit =>
                    Enumerable
                        .Range(0, BitmapFont.GlyphHeight)
                        .All(row =>
                            Enumerable
                                .Range(0, BitmapFont.GlyphWidth)
                                .All(column => BitmapFont.IsSet(digit, column, row) == Lit(column, row))
                        )
                )
                .ToArray();
            Assert.True(matches.Length == 1, $"glyph at ({cellX},{y}) scale {scale} matches {matches.Length} digits");
            value = (value * 10) + matches[0];
        }
        Assert.True(digits > 0, $"no number at ({x},{y})");
        return value;
    }

    /// <summary>For each palette colour present: the number of separate runs along the middle row of its bounding
    /// box.</summary>
    public static Dictionary<string, int> BarUnits(RgbImage image)
    {
        var units = new Dictionary<string, int>();
        foreach ((string name, Rgb colour) in Palette.Named)
        {
            var rows = Enumerable
                .Range(0, image.Height)
                .Where(y => Enumerable.Range(0, image.Width).Any(x => image[x, y] == colour))
                .ToArray();
            if (rows.Length == 0)
                continue;
            int middle = (rows[0] + rows[^1]) / 2,
                runs = 0;
            for (int x = 0; x < image.Width; x++)
                if (image[x, middle] == colour && (x == 0 || image[x - 1, middle] != colour))
                    runs++;
            units[name] = runs;
        }
        return units;
    }
}
