namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// Compare: filled shapes of several colours (as in counting, never touching); the question combines the counts of
/// two or three colours with arithmetic, so the answer needs the image (count each colour) and several steps
/// (combine). Level 1: red and blue, 1-3 each; "How many red and blue shapes in all?" (r+b) or "How many more red
/// shapes than blue shapes?" (the larger count first, so answers are ≥ 0). Level 2: red, blue and green, 1-3 each,
/// two of them asked; adds "What is red × 2 + blue?". Level 3: the three colours, 1-4 each, all three asked:
/// "red + blue - green" (only when ≥ 0), "red × blue + green", "red + blue + green".
/// Decisions:
/// 1. Every asked colour is drawn at least once; level 2 draws the unasked colour too, so the model must pick
///    the right ones.
/// 2. The scene's kind is "compare:{expression}:{asked colours in question order}" (e.g. "compare:a*2+b:red,blue"),
///    from which the reasoning target spells out the counts and the arithmetic.
/// </summary>
internal static class CompareFamily
{
    /// <summary>
    /// The value of an expression over the asked colours' counts a, b (and c): "a+b", "a-b", "a*2+b", "a+b-c",
    /// "a*b+c" or "a+b+c".
    /// </summary>
    internal static int Evaluate(string expression, IReadOnlyList<int> counts) =>
        expression switch
        {
            "a+b" => counts[0] + counts[1],
            "a-b" => counts[0] - counts[1],
            "a*2+b" => (counts[0] * 2) + counts[1],
            "a+b-c" => counts[0] + counts[1] - counts[2],
            "a*b+c" => (counts[0] * counts[1]) + counts[2],
            "a+b+c" => counts[0] + counts[1] + counts[2],
            _ => throw new ArgumentOutOfRangeException(nameof(expression), expression, "Unknown compare expression."),
        };

    public static SyntheticDraft? TryGenerate(ref SplitMix64 random, int difficulty, int size)
    {
        (int colours, int maxCount, int minSide, int maxSide) = difficulty switch
        {
            1 => (2, 3, 10, 13),
            2 => (3, 3, 9, 12),
            _ => (3, 4, 7, 10),
        };
        var counts = new int[colours];
        for (int i = 0; i < colours; i++)
            counts[i] = random.Next(1, maxCount);
        var order = Enumerable.Range(0, colours).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(0, i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        string[] expressions = difficulty switch
        {
            1 => ["a+b", "a-b"],
            2 => ["a+b", "a-b", "a*2+b"],
            _ => ["a+b-c", "a*b+c", "a+b+c"],
        };
        string expression = random.Pick(expressions);
        int asked = expression.Contains('c', StringComparison.Ordinal) ? 3 : 2;
        var askedColours = order.Take(asked).ToArray();
        if (expression == "a-b" && counts[askedColours[0]] < counts[askedColours[1]])
            (askedColours[0], askedColours[1]) = (askedColours[1], askedColours[0]);
        var askedCounts = askedColours.Select(colour => counts[colour]).ToArray();
        int answer = Evaluate(expression, askedCounts);
        if (answer < 0)
            return null; // "a+b-c" below zero: draw another candidate

        double scale = size / 64.0;
        var canvas = new Canvas(size);
        var layout = new BoxLayout(size, border: Math.Max(1, (int)(2 * scale)), gap: Math.Max(2, (int)(3 * scale)));
        var boxes = new List<SceneBox>();
        var shapes = Enumerable
            .Range(0, colours)
            .SelectMany(colour => Enumerable.Repeat(colour, counts[colour]))
            .ToList();
        foreach (int colourIndex in shapes)
        {
            int side = Math.Max(3, (int)Math.Round(random.Next(minSide, maxSide) * scale));
            if (layout.TryPlace(ref random, side, side) is not { } corner)
                return null;
            (string name, var colour) = Palette.Named[colourIndex];
            boxes.Add(canvas.FillRandomShape(ref random, corner, side, name, colour));
        }
        string[] names = [.. askedColours.Select(colour => Palette.Named[colour].Name)];
        return new SyntheticDraft(
            SyntheticFamily.Compare,
            Question(expression, names),
            answer,
            canvas.ToImage(),
            new SyntheticScene($"compare:{expression}:{string.Join(',', names)}", boxes, [])
        );
    }

    private static string Question(string expression, string[] names) =>
        expression switch
        {
            "a+b" => $"How many {names[0]} and {names[1]} shapes in all?",
            "a-b" => $"How many more {names[0]} shapes than {names[1]} shapes?",
            "a*2+b" => $"What is the number of {names[0]} shapes times 2 plus the number of {names[1]} shapes?",
            "a+b-c" => $"What is {names[0]} plus {names[1]} minus {names[2]} shapes?",
            "a*b+c" => $"What is {names[0]} times {names[1]} plus {names[2]} shapes?",
            _ => $"How many {names[0]}, {names[1]} and {names[2]} shapes in all?",
        };
}
