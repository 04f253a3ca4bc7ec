namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// Sum: black numbers in the bitmap font at random non-overlapping places. Question "What is the sum of the
/// numbers?". Level 1: two numbers 1-9 at glyph scale 3; level 2: three numbers 1-19 at scale 2; level 3: three
/// or four numbers 10-99 at scale 2 (scales are for 64 px and grow with the image).
/// </summary>
internal static class SumFamily
{
    public static SyntheticDraft? TryGenerate(ref SplitMix64 random, int difficulty, int size)
    {
        (int minCount, int maxCount, int minValue, int maxValue, int glyphScale) = difficulty switch
        {
            1 => (2, 2, 1, 9, 3),
            2 => (3, 3, 1, 19, 2),
            _ => (3, 4, 10, 99, 2),
        };
        int scale = Math.Max(1, (int)Math.Round(glyphScale * size / 64.0));
        int count = random.Next(minCount, maxCount);
        var canvas = new Canvas(size);
        // A gap of 4 glyph pixels (a whole glyph width plus one) so separate numbers never read as one.
        var layout = new BoxLayout(size, border: scale, gap: 4 * scale);
        var texts = new List<SceneText>();
        for (int i = 0; i < count; i++)
        {
            int value = random.Next(minValue, maxValue);
            int width = BitmapFont.TextWidth(
                value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length,
                scale
            );
            if (layout.TryPlace(ref random, width, BitmapFont.TextHeight(scale)) is not { } corner)
                return null;
            canvas.DrawNumber(value, corner.X, corner.Y, scale, Palette.Ink);
            texts.Add(new SceneText(value, corner.X, corner.Y, scale, Palette.Ink, "term"));
        }
        return new SyntheticDraft(
            SyntheticFamily.Sum,
            "What is the sum of the numbers?",
            texts.Sum(text => text.Value),
            canvas.ToImage(),
            new SyntheticScene("sum", [], texts)
        );
    }
}
