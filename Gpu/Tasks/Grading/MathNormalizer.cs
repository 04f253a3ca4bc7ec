using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// MathRuler / PRM800K <c>math_normalize.normalize_answer</c>: the MATH (Hendrycks) string normaliser, stage 2 of
/// <see cref="AnswerGrader.Grade"/>. Two answers whose normal forms are equal strings are correct.
/// 1. Order and effects follow docs/grader.md §3; every Python failure (assertion in <c>_remove_right_units</c>, an
///    index error in <c>_fix_sqrt</c>/<c>_fix_fracs</c> on a trailing <c>\sqrt</c>/<c>\frac</c>) becomes
///    <see cref="StripFailed"/>, and <see cref="NormalizeAnswer"/> then returns the (unwrapped) answer unchanged.
/// 2. Percent: the Python source removes <c>"\\%"</c> and <c>"\%"</c>, which are the same two characters; a bare
///    <c>%</c> is kept here as there (the specification's "and %" reads the second literal as a bare percent sign; the
///    PRM800K stage removes every % anyway, so no grade differs).
/// </summary>
public static class MathNormalizer
{
    private static readonly Regex TextWrapper = new(
        @"^\\text\{(?<text>.+?)\}$",
        RegexOptions.NonBacktracking | RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1)
    );

    /// <summary>Raised where Python raises inside <c>_strip_string</c>.</summary>
    private sealed class StripFailed(string why) : Exception(why);

    /// <summary><c>normalize_answer(answer)</c>; null stays null.</summary>
    public static string? NormalizeAnswer(string? answer)
    {
        if (answer is null)
            return null;
        answer = answer.Trim();
        var match = TextWrapper.Match(answer);
        if (match.Success)
            answer = match.Groups["text"].Value.Trim();
        try
        {
            return StripString(answer);
        }
        catch (StripFailed)
        {
            return answer;
        }
    }

    /// <summary>Hendrycks <c>_strip_string</c>, steps 1–10 of docs/grader.md §3.</summary>
    private static string StripString(string s)
    {
        s = s.Replace("\n", "", StringComparison.Ordinal)
            .Replace("\\!", "", StringComparison.Ordinal)
            .Replace("\\\\", "\\", StringComparison.Ordinal);
        s = s.Replace("tfrac", "frac", StringComparison.Ordinal).Replace("dfrac", "frac", StringComparison.Ordinal);
        s = s.Replace("\\left", "", StringComparison.Ordinal).Replace("\\right", "", StringComparison.Ordinal);
        s = s.Replace("^{\\circ}", "", StringComparison.Ordinal).Replace("^\\circ", "", StringComparison.Ordinal);
        s = s.Replace("\\$", "", StringComparison.Ordinal);
        s = RemoveRightUnits(s);
        s = s.Replace("\\%", "", StringComparison.Ordinal);
        s = s.Replace(" .", " 0.", StringComparison.Ordinal).Replace("{.", "{0.", StringComparison.Ordinal);
        if (s.Length == 0)
            return s;
        if (s[0] == '.')
            s = "0" + s;
        string[] sides = s.Split('=');
        if (sides.Length == 2 && sides[0].Length <= 2)
            s = sides[1];
        s = FixSqrt(s);
        s = s.Replace(" ", "", StringComparison.Ordinal);
        s = FixFracs(s);
        if (s == "0.5")
            s = "\\frac{1}{2}";
        return FixASlashB(s);
    }

    private static string RemoveRightUnits(string s)
    {
        const string unitMarker = "\\text{ ";
        if (!s.Contains(unitMarker, StringComparison.Ordinal))
            return s;
        string[] parts = s.Split(unitMarker);
        if (parts.Length != 2)
            throw new StripFailed("more than one \\text{ unit");
        return parts[0];
    }

    /// <summary><c>\sqrt3</c> → <c>\sqrt{3}</c>.</summary>
    private static string FixSqrt(string s)
    {
        if (!s.Contains("\\sqrt", StringComparison.Ordinal))
            return s;
        string[] splits = s.Split("\\sqrt");
        var result = new System.Text.StringBuilder(splits[0]);
        foreach (string split in splits.Skip(1))
        {
            if (split.Length == 0)
                throw new StripFailed("\\sqrt at the end");
            result.Append(split[0] != '{' ? "\\sqrt{" + split[0] + "}" + split[1..] : "\\sqrt" + split);
        }
        return result.ToString();
    }

    /// <summary><c>\frac12</c> → <c>\frac{1}{2}</c>, <c>\frac1{72}</c> → <c>\frac{1}{72}</c>.</summary>
    private static string FixFracs(string s)
    {
        string[] substrings = s.Split("\\frac");
        var result = new System.Text.StringBuilder(substrings[0]);
        foreach (string sub in substrings.Skip(1))
        {
            result.Append("\\frac");
            if (sub.Length == 0)
                throw new StripFailed("\\frac at the end");
            if (sub[0] == '{')
            {
                result.Append(sub);
                continue;
            }
            if (sub.Length < 2)
                return s;
            char a = sub[0],
                b = sub[1];
            string post = sub[2..];
            result.Append(b != '{' ? "{" + a + "}{" + b + "}" + post : "{" + a + "}" + b + post);
        }
        return result.ToString();
    }

    /// <summary><c>3/4</c> → <c>\frac{3}{4}</c> when both sides are canonical integers.</summary>
    private static string FixASlashB(string s)
    {
        string[] parts = s.Split('/');
        if (parts.Length != 2)
            return s;
        return PythonNumbers.IsCanonicalInt(parts[0]) && PythonNumbers.IsCanonicalInt(parts[1])
            ? "\\frac{" + parts[0] + "}{" + parts[1] + "}"
            : s;
    }
}
