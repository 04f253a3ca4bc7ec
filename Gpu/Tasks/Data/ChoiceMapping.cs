using System.Text;
using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// The one mapping between option letters and option texts (see <see cref="VisualProblem"/>): letters are A, B, C...
/// by position. A stored answer is a letter when it is a single letter A-Z within range, optionally written "(B)",
/// "B.", "B)" or "B:"; otherwise it must equal one option text after trimming and case-folding.
/// </summary>
public static partial class ChoiceMapping
{
    /// <summary>The letter of option <paramref name="index"/> (0 → "A").</summary>
    public static string Letter(int index) =>
        index is >= 0 and < 26
            ? ((char)('A' + index)).ToString()
            : throw new ArgumentOutOfRangeException(nameof(index), index, "At most 26 options (A-Z).");

    /// <summary>The letter for <paramref name="answer"/>, or null when it is neither a letter in range nor an option
    /// text.</summary>
    public static string? TryToLetter(string answer, IReadOnlyList<string> choices)
    {
        string trimmed = answer.Trim();
        Match match = LetterPattern().Match(trimmed);
        if (match.Success)
        {
            int index = char.ToUpperInvariant(match.Groups[1].Value[0]) - 'A';
            if (index < choices.Count)
                return Letter(index);
        }
        for (int i = 0; i < choices.Count; i++)
            if (string.Equals(choices[i].Trim(), trimmed, StringComparison.OrdinalIgnoreCase))
                return Letter(i);
        return null;
    }

    /// <summary>Like <see cref="TryToLetter"/>, but a miss is a <see cref="DataFormatException"/> at <paramref
    /// name="location"/>.</summary>
    public static string ToLetter(string answer, IReadOnlyList<string> choices, DataLocation location) =>
        TryToLetter(answer, choices)
        ?? throw new DataFormatException(
            location,
            $"answer '{answer}' is neither an option letter (A-{Letter(Math.Max(0, choices.Count - 1))}) nor one of "
                + $"the {choices.Count} option texts."
        );

    /// <summary>The text of the option with this letter, or null.</summary>
    public static string? TextOf(string letter, IReadOnlyList<string> choices)
    {
        string trimmed = letter.Trim();
        if (trimmed.Length != 1)
            return null;
        int index = char.ToUpperInvariant(trimmed[0]) - 'A';
        return index >= 0 && index < choices.Count ? choices[index] : null;
    }

    /// <summary>"question\nChoices:\n(A) x\n(B) y" — the form every loader uses to show options.</summary>
    public static string AppendChoices(string question, IReadOnlyList<string> choices)
    {
        var text = new StringBuilder(question.TrimEnd());
        text.Append("\nChoices:");
        for (int i = 0; i < choices.Count; i++)
            text.Append('\n').Append('(').Append(Letter(i)).Append(") ").Append(choices[i].Trim());
        return text.ToString();
    }

    [GeneratedRegex(@"^\(?([A-Za-z])\s*[\).:]?$")]
    private static partial Regex LetterPattern();
}
