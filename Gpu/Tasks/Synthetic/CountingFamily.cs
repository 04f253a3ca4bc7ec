namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// Counting: filled rectangles, circles and triangles of 2-4 colours, never touching (a gap of at least 2 px), so
/// every shape is one connected region of its colour. Question "How many {colour} shapes?", answer ≥ 1.
/// Level 1: 2-4 shapes, 2 colours, large; level 2: 4-6 shapes, 3 colours; level 3: 6-9 shapes, 4 colours, small.
/// </summary>
internal static class CountingFamily
{
    public static SyntheticDraft? TryGenerate(ref SplitMix64 random, int difficulty, int size)
    {
        (int minShapes, int maxShapes, int colours, int minSide, int maxSide) = difficulty switch
        {
            1 => (2, 4, 2, 12, 16),
            2 => (4, 6, 3, 9, 13),
            _ => (6, 9, 4, 7, 11),
        };
        double scale = size / 64.0;
        int shapes = random.Next(minShapes, maxShapes);
        var canvas = new Canvas(size);
        var layout = new BoxLayout(size, border: Math.Max(1, (int)(2 * scale)), gap: Math.Max(2, (int)(3 * scale)));
        var boxes = new List<SceneBox>();
        for (int i = 0; i < shapes; i++)
        {
            int side = Math.Max(3, (int)Math.Round(random.Next(minSide, maxSide) * scale));
            if (layout.TryPlace(ref random, side, side) is not { } corner)
                return null;
            (string name, var colour) = Palette.Named[random.Next(0, colours - 1)];
            boxes.Add(canvas.FillRandomShape(ref random, corner, side, name, colour));
        }
        string asked = boxes[random.Next(0, boxes.Count - 1)].Colour; // always present: answer ≥ 1
        int answer = boxes.Count(box => box.Colour == asked);
        return new SyntheticDraft(
            SyntheticFamily.Counting,
            $"How many {asked} shapes?",
            answer,
            canvas.ToImage(),
            new SyntheticScene("counting", boxes, [])
        );
    }
}
