using System.Globalization;
using SaEI.Gpu.Tasks.Synthetic;

namespace SaEI.Gpu.Training.Sft;

/// <summary>
/// The supervised response for a synthetic problem in the EasyR1 reasoning format
/// <c>&lt;think&gt;reasoning&lt;/think&gt;\boxed{answer}</c> (docs/algorithm.md §6), the reasoning derived from the
/// scene the image was drawn from. Decisions:
/// 1. Short on purpose (every target token costs CPU time): counting "3 red", sum "4+7=11", length "2,5 max 5",
///    rectangle "2*(3+4)=14", triangle "3+4+5=12", angle "180-40-60=80".
/// 2. Numbers are listed in reading order (top to bottom, then left to right) so the order is learnable from the
///    image; bars are listed top to bottom.
/// 3. Compare is longer by design (tens of tokens, so token entropy matters): "red 3, blue 5; 5-3=2".
/// 4. No space between &lt;/think&gt; and \boxed: the format regex allows anything there, and a space is one more
///    token.
/// </summary>
public static class ReasoningTarget
{
    /// <summary>Wraps <paramref name="reasoning"/> and <paramref name="answer"/> in the reasoning format.</summary>
    public static string Format(string reasoning, string answer) => $"<think>{reasoning}</think>\\boxed{{{answer}}}";

    /// <summary>The target for one generated synthetic problem.</summary>
    internal static string ForSynthetic(SyntheticDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        string answer = Number(draft.Answer);
        string reasoning = draft.Family switch
        {
            SyntheticFamily.Counting => Counting(draft),
            SyntheticFamily.Sum => Sum(draft),
            SyntheticFamily.Length => Length(draft),
            SyntheticFamily.Geometry => Geometry(draft),
            SyntheticFamily.Compare => Compare(draft),
            _ => throw new ArgumentOutOfRangeException(nameof(draft), draft.Family, "Unknown synthetic family."),
        };
        return Format(reasoning, answer);
    }

    private static string Counting(SyntheticDraft draft)
    {
        // The question names the colour: "How many {colour} shapes?".
        string colour = draft
            .Scene.Boxes.First(box => draft.Question.Contains($" {box.Colour} ", StringComparison.Ordinal))
            .Colour;
        return $"{Number(draft.Answer)} {colour}";
    }

    private static string Sum(SyntheticDraft draft)
    {
        var terms = draft.Scene.Texts.OrderBy(text => text.Y).ThenBy(text => text.X).Select(text => Number(text.Value));
        return $"{string.Join('+', terms)}={Number(draft.Answer)}";
    }

    private static string Length(SyntheticDraft draft)
    {
        // Bar kinds are "bar:{units}", drawn top to bottom.
        var lengths = draft.Scene.Boxes.OrderBy(box => box.Y).Select(box => box.Kind["bar:".Length..]);
        return $"{string.Join(',', lengths)} max {Number(draft.Answer)}";
    }

    private static string Geometry(SyntheticDraft draft)
    {
        var labels = draft.Scene.Texts;
        return draft.Scene.Kind switch
        {
            "rectangle" => $"2*({Number(labels[0].Value)}+{Number(labels[1].Value)})={Number(draft.Answer)}",
            "triangle" => $"{string.Join('+', labels.Select(label => Number(label.Value)))}={Number(draft.Answer)}",
            _ => $"180-{Number(labels[0].Value)}-{Number(labels[1].Value)}={Number(draft.Answer)}",
        };
    }

    private static string Compare(SyntheticDraft draft)
    {
        // Kind "compare:{expression}:{colours}": "red 3, blue 5; 5-3=2" — each asked colour's count, then the sum.
        string[] parts = draft.Scene.Kind.Split(':');
        string[] colours = parts[2].Split(',');
        var counts = colours.Select(colour => draft.Scene.Boxes.Count(box => box.Colour == colour)).ToArray();
        string facts = string.Join(", ", colours.Select((colour, i) => $"{colour} {Number(counts[i])}"));
        string arithmetic = parts[1]
            .Replace("a", Number(counts[0]), StringComparison.Ordinal)
            .Replace("b", Number(counts[1]), StringComparison.Ordinal);
        if (colours.Length > 2)
            arithmetic = arithmetic.Replace("c", Number(counts[2]), StringComparison.Ordinal);
        return $"{facts}; {arithmetic}={Number(draft.Answer)}";
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
