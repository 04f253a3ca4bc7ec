namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// A 3×5 pixel font for the digits 0-9 (no anti-aliasing; each glyph pixel becomes a scale×scale block). Every
/// glyph differs from every other in at least one pixel, so digits can be read back by exact matching.
/// </summary>
public static class BitmapFont
{
    public const int GlyphWidth = 3;
    public const int GlyphHeight = 5;

    // Rows top to bottom, bits left to right (0b100 = leftmost pixel).
    private static readonly int[][] Glyphs =
    [
        [0b111, 0b101, 0b101, 0b101, 0b111], // 0
        [0b010, 0b110, 0b010, 0b010, 0b111], // 1
        [0b111, 0b001, 0b111, 0b100, 0b111], // 2
        [0b111, 0b001, 0b111, 0b001, 0b111], // 3
        [0b101, 0b101, 0b111, 0b001, 0b001], // 4
        [0b111, 0b100, 0b111, 0b001, 0b111], // 5
        [0b111, 0b100, 0b111, 0b101, 0b111], // 6
        [0b111, 0b001, 0b001, 0b001, 0b001], // 7
        [0b111, 0b101, 0b111, 0b101, 0b111], // 8
        [0b111, 0b101, 0b111, 0b001, 0b111], // 9
    ];

    /// <summary>True when glyph <paramref name="digit"/> has a pixel at column <paramref name="column"/>, row <paramref
    /// name="row"/>.</summary>
    public static bool IsSet(int digit, int column, int row) => (Glyphs[digit][row] & (0b100 >> column)) != 0;

    /// <summary>Width in pixels of <paramref name="digits"/> digits at <paramref name="scale"/> (one blank column
    /// between digits).</summary>
    public static int TextWidth(int digits, int scale) => ((digits * (GlyphWidth + 1)) - 1) * scale;

    /// <summary>Height in pixels at <paramref name="scale"/>.</summary>
    public static int TextHeight(int scale) => GlyphHeight * scale;
}
