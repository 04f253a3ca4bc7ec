using System.Text;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// Multiple-choice grading without an LLM judge (docs/algorithm.md §6), for benchmarks whose answer is a letter
/// or an option text (MathVista, MathVerse, MathVision, HallusionBench multiple choice).
/// Rule, applied to the model's answer (usually the last boxed content) and to the ground truth alike:
/// 1. Clean: trim; unwrap one <c>\text{…}</c>/<c>\textbf{…}</c>/<c>\mathrm{…}</c>; drop <c>$</c>; drop a leading
///    "Answer:"/"Option"/"Choice" word; trim trailing '.', ':' and spaces.
/// 2. Letter: the cleaned text is one letter L, "(L)", "[L]", "L)", "L." or "L:" (case-insensitive), with L among
///    the first <c>choices.Count</c> letters A, B, C, … → that letter.
/// 3. Option text: otherwise, the choices whose text equals the cleaned text after <see cref="NormalizeText"/>
///    (lowercase, whitespace and $ removed, \text unwrapped), or, failing that, that <see cref="AnswerGrader.Grade"/>
///    accepts (so the answer "2\sqrt{3}" picks the option "2\sqrt3") → the letter when exactly ONE matches.
/// 4. Anything else, or several matching options, maps to nothing and is graded wrong.
/// A response is correct iff its letter equals the ground truth's letter.
/// </summary>
public static class ChoiceAnswer
{
    private static readonly string[] LeadingWords = ["answer:", "answer", "option", "choice"];

    /// <summary>The option letter ('A', 'B', …) that <paramref name="answer"/> designates, or null.</summary>
    public static char? ToLetter(string? answer, IReadOnlyList<string> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (answer is null || choices.Count == 0 || choices.Count > 26)
            return null;
        string cleaned = Clean(answer);
        char? letter = AsLetter(cleaned, choices.Count);
        if (letter is not null)
            return letter;
        string normalized = NormalizeText(cleaned);
        if (normalized.Length == 0)
            return null;
        var textMatches = Enumerable
            .Range(0, choices.Count)
            .Where(i => NormalizeText(Clean(choices[i])) == normalized)
            .ToArray();
        if (textMatches.Length == 1)
            return (char)('A' + textMatches[0]);
        if (textMatches.Length > 1)
            return null;
        var gradedMatches = Enumerable
            .Range(0, choices.Count)
            .Where(i => AnswerGrader.Grade(cleaned, Clean(choices[i])))
            .ToArray();
        return gradedMatches.Length == 1 ? (char)('A' + gradedMatches[0]) : null;
    }

    /// <summary>True iff <paramref name="given"/> and <paramref name="groundTruth"/> designate the same
    /// option.</summary>
    public static bool Grade(string? given, string groundTruth, IReadOnlyList<string> choices)
    {
        char? expected = ToLetter(groundTruth, choices);
        return expected is not null && ToLetter(given, choices) == expected;
    }

    /// <summary>Lowercase, no whitespace, no '$', <c>\text{…}</c> unwrapped: the option-text comparison key.</summary>
    public static string NormalizeText(string text)
    {
        var key = new StringBuilder(text.Length);
        foreach (char c in text.Replace("\\text{", "{", StringComparison.Ordinal))
            if (!char.IsWhiteSpace(c) && c is not '$' and not '{' and not '}')
                key.Append(char.ToLowerInvariant(c));
        return key.ToString().TrimEnd('.');
    }

    private static string Clean(string text)
    {
        string s = text.Trim();
        foreach (string wrapper in (string[])["\\text{", "\\textbf{", "\\mathrm{", "\\mathbf{"])
            if (s.StartsWith(wrapper, StringComparison.Ordinal) && s.EndsWith('}'))
            {
                s = s[wrapper.Length..^1].Trim();
                break;
            }
        s = s.Replace("$", "", StringComparison.Ordinal).Trim();
        foreach (string word in LeadingWords)
            if (
                s.StartsWith(word, StringComparison.OrdinalIgnoreCase)
                && s.Length > word.Length
                && !char.IsLetter(s[word.Length])
            )
            {
                s = s[word.Length..].TrimStart(' ', ':');
                break;
            }
        return s.TrimEnd('.', ':', ' ');
    }

    private static char? AsLetter(string s, int choiceCount)
    {
        if (s.Length >= 3 && ((s[0] == '(' && s[^1] == ')') || (s[0] == '[' && s[^1] == ']')))
            s = s[1..^1].Trim();
        else if (s.Length == 2 && s[1] is ')' or '.' or ':')
            s = s[..1];
        if (s.Length != 1 || !char.IsAsciiLetter(s[0]))
            return null;
        char letter = char.ToUpperInvariant(s[0]);
        return letter - 'A' < choiceCount ? letter : null;
    }
}
