namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// Length: horizontal bars, each built from unit blocks (5 px block + 1 px gap at 64 px) so a length can be counted;
/// distinct lengths and colours, one bar per row band. Question "How long is the longer bar?" (two bars) or
/// "How long is the longest bar?" (three); answer in blocks. Level 1: two bars 1-5, left-aligned; level 2: two bars
/// 1-9 with random offsets; level 3: three bars 1-9 with random offsets.
/// </summary>
internal static class LengthFamily
{
    public static SyntheticDraft? TryGenerate(ref SplitMix64 random, int difficulty, int size)
    {
        (int bars, int maxUnits, bool aligned) = difficulty switch
        {
            1 => (2, 5, true),
            2 => (2, 9, false),
            _ => (3, 9, false),
        };
        int block = Math.Max(2, (int)Math.Round(5 * size / 64.0)),
            pitch = block + Math.Max(1, size / 64);
        int barHeight = block,
            left = Math.Max(1, (int)Math.Round(4 * size / 64.0));
        maxUnits = Math.Min(maxUnits, (size - (2 * left) + (pitch - block)) / pitch);
        if (maxUnits < bars)
            return null;
        int band = size / bars;
        var lengths = new List<int>();
        while (lengths.Count < bars)
        {
            int units = random.Next(1, maxUnits);
            if (!lengths.Contains(units))
                lengths.Add(units);
        }
        var canvas = new Canvas(size);
        var boxes = new List<SceneBox>();
        for (int i = 0; i < bars; i++)
        {
            (string name, var colour) = Palette.Named[i];
            int width = (lengths[i] * pitch) - (pitch - block);
            int x = aligned ? left : random.Next(left, size - left - width);
            int y = (i * band) + random.Next(1, Math.Max(1, band - barHeight - 1));
            for (int unit = 0; unit < lengths[i]; unit++)
                canvas.FillRectangle(x + (unit * pitch), y, block, barHeight, colour);
            boxes.Add(new SceneBox($"bar:{lengths[i]}", name, x, y, width, barHeight));
        }
        string question = bars == 2 ? "How long is the longer bar?" : "How long is the longest bar?";
        return new SyntheticDraft(
            SyntheticFamily.Length,
            question,
            lengths.Max(),
            canvas.ToImage(),
            new SyntheticScene("length", boxes, [])
        );
    }
}
