using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// Our own pixel routines (no anti-aliasing, no text engine, so output depends on nothing but this code): filled
/// rectangles, circles and triangles, thick lines and bitmap-font numbers. Pixels outside the canvas are clipped.
/// </summary>
internal sealed class Canvas
{
    private readonly byte[] rgb;

    public Canvas(int size)
    {
        Size = size;
        rgb = RgbImage.Filled(size, size, Palette.Background).Rgb;
    }

    public int Size { get; }

    public void Set(int x, int y, Rgb colour)
    {
        if (x < 0 || y < 0 || x >= Size || y >= Size)
            return;
        int i = ((y * Size) + x) * 3;
        (rgb[i], rgb[i + 1], rgb[i + 2]) = (colour.R, colour.G, colour.B);
    }

    /// <summary>Fills [x, x+width) × [y, y+height).</summary>
    public void FillRectangle(int x, int y, int width, int height, Rgb colour)
    {
        for (int row = y; row < y + height; row++)
        for (int column = x; column < x + width; column++)
            Set(column, row, colour);
    }

    /// <summary>
    /// Fills a rectangle, circle or upward triangle (one draw of <paramref name="random"/>) in the square box of
    /// <paramref name="side"/> at <paramref name="corner"/>; returns what was drawn.
    /// </summary>
    public SceneBox FillRandomShape(ref SplitMix64 random, (int X, int Y) corner, int side, string name, Rgb colour)
    {
        (int x, int y) = corner;
        string kind = random.Next(0, 2) switch
        {
            0 => "rectangle",
            1 => "circle",
            _ => "triangle",
        };
        switch (kind)
        {
            case "rectangle":
                FillRectangle(x, y, side, side, colour);
                break;
            case "circle":
                FillCircle(x, y, side, colour);
                break;
            default:
                FillTriangle(x, y + side, x + side, y + side, x + (side / 2.0), y, colour);
                break;
        }
        return new SceneBox(kind, name, x, y, side, side);
    }

    /// <summary>Fills the disc inscribed in the box [x, x+diameter)², tested at pixel centres.</summary>
    public void FillCircle(int x, int y, int diameter, Rgb colour)
    {
        double radius = diameter / 2.0,
            centreX = x + radius,
            centreY = y + radius;
        for (int row = y; row < y + diameter; row++)
        for (int column = x; column < x + diameter; column++)
        {
            double dx = column + 0.5 - centreX,
                dy = row + 0.5 - centreY;
            if ((dx * dx) + (dy * dy) <= radius * radius)
                Set(column, row, colour);
        }
    }

    /// <summary>Fills the triangle (x0,y0),(x1,y1),(x2,y2), tested at pixel centres (edge functions).</summary>
    public void FillTriangle(double x0, double y0, double x1, double y1, double x2, double y2, Rgb colour)
    {
        int minX = (int)Math.Floor(Math.Min(x0, Math.Min(x1, x2))),
            maxX = (int)Math.Ceiling(Math.Max(x0, Math.Max(x1, x2)));
        int minY = (int)Math.Floor(Math.Min(y0, Math.Min(y1, y2))),
            maxY = (int)Math.Ceiling(Math.Max(y0, Math.Max(y1, y2)));
        for (int row = minY; row < maxY; row++)
        for (int column = minX; column < maxX; column++)
        {
            double px = column + 0.5,
                py = row + 0.5;
            double e0 = Edge(x0, y0, x1, y1, px, py),
                e1 = Edge(x1, y1, x2, y2, px, py),
                e2 = Edge(x2, y2, x0, y0, px, py);
            if ((e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0))
                Set(column, row, colour);
        }
    }

    /// <summary>A line of square pen <paramref name="thickness"/> from (x0,y0) to (x1,y1) (Bresenham).</summary>
    public void DrawLine(int x0, int y0, int x1, int y1, int thickness, Rgb colour)
    {
        int dx = Math.Abs(x1 - x0),
            dy = -Math.Abs(y1 - y0),
            stepX = x0 < x1 ? 1 : -1,
            stepY = y0 < y1 ? 1 : -1;
        int error = dx + dy,
            offset = thickness / 2;
        while (true)
        {
            FillRectangle(x0 - offset, y0 - offset, thickness, thickness, colour);
            if (x0 == x1 && y0 == y1)
                return;
            int doubled = 2 * error;
            if (doubled >= dy)
            {
                error += dy;
                x0 += stepX;
            }
            if (doubled <= dx)
            {
                error += dx;
                y0 += stepY;
            }
        }
    }

    /// <summary>Writes the decimal <paramref name="value"/> with its top-left corner at (x, y).</summary>
    public void DrawNumber(int value, int x, int y, int scale, Rgb colour)
    {
        string digits = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (int d = 0; d < digits.Length; d++)
        {
            int glyphX = x + (d * (BitmapFont.GlyphWidth + 1) * scale);
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
            for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                if (BitmapFont.IsSet(digits[d] - '0', column, row))
                    FillRectangle(glyphX + (column * scale), y + (row * scale), scale, scale, colour);
        }
    }

    public RgbImage ToImage() => new(Size, Size, (byte[])rgb.Clone());

    private static double Edge(double ax, double ay, double bx, double by, double px, double py) =>
        ((bx - ax) * (py - ay)) - ((by - ay) * (px - ax));
}
