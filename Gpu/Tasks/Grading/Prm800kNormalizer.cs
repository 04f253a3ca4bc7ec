using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// PRM800K <c>_normalize</c> and its helpers (<c>split_tuple</c>, <c>_is_frac</c>, <c>_str_is_int</c>,
/// <c>_strip_properly_formatted_commas</c>), stage 3–4 of <see cref="AnswerGrader.Grade"/>, in the order of
/// docs/grader.md §4.
/// 1. LaTeX goes through <see cref="LatexToText"/> (the pylatexenc stand-in); if it throws, the string is kept,
///    as Python's bare <c>except: pass</c> does.
/// 2. Every regex is NonBacktracking with a 1 s timeout: no input can hang the grader.
/// </summary>
public static class Prm800kNormalizer
{
    private const RegexOptions Safe = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private static readonly Regex TextWrapper = new(@"^\\text\{(?<text>.+?)\}$", Safe, Timeout);
    private static readonly Regex Circle = new(@"\^ *\\circ", Safe, Timeout);
    private static readonly Regex ThinSpaceComma = new(@",\\! *", Safe, Timeout);
    private static readonly Regex MinusSpaces = new("- *", Safe, Timeout);
    private static readonly Regex MixedNumber = new("([0-9]) +([0-9])", Safe, Timeout);
    private static readonly Regex ProperComma = new(@"(\d)(,)(\d\d\d)($|\D)", Safe, Timeout);
    private static readonly Regex Fraction = new(@"^-?[0-9]+.?/0*[1-9][0-9]*.?$", Safe, Timeout);

    /// <summary>Units in PRM800K's order. Each is deleted anywhere, so "perimeter" loses "meter" (as in
    /// Python).</summary>
    public static IReadOnlyList<string> UnitWords { get; } =
    [
        "degree",
        "cm",
        "centimeter",
        "meter",
        "mile",
        "second",
        "minute",
        "hour",
        "day",
        "week",
        "month",
        "year",
        "foot",
        "feet",
        "inch",
        "yard",
    ];

    /// <summary><c>_normalize(expr)</c>; null stays null.</summary>
    public static string? Normalize(string? expr)
    {
        if (expr is null)
            return null;
        var match = TextWrapper.Match(expr);
        if (match.Success)
            expr = match.Groups["text"].Value;
        expr = expr.Replace("\\%", "%", StringComparison.Ordinal)
            .Replace("\\$", "$", StringComparison.Ordinal)
            .Replace("$", "", StringComparison.Ordinal)
            .Replace("%", "", StringComparison.Ordinal)
            .Replace(" or ", " , ", StringComparison.Ordinal)
            .Replace(" and ", " , ", StringComparison.Ordinal);
        expr = expr.Replace("million", "*10^6", StringComparison.Ordinal)
            .Replace("billion", "*10^9", StringComparison.Ordinal)
            .Replace("trillion", "*10^12", StringComparison.Ordinal);
        expr = DeleteUnits(expr);
        expr = Circle.Replace(expr, "");
        if (expr.Length > 0 && expr[0] == '{' && expr[^1] == '}')
            expr = expr[1..^1];
        expr = ThinSpaceComma.Replace(expr, "");
        if (PythonNumbers.TryParseFloat(expr, out double value) && PythonNumbers.IsNearInteger(value))
            expr = PythonNumbers.RoundToIntString(value);
        if (expr.Contains('\\', StringComparison.Ordinal))
            expr = ParseLatex(expr);
        expr = MinusSpaces.Replace(expr, "-");
        expr = MixedNumber.Replace(expr, "$1+$2");
        expr = expr.Replace(" ", "", StringComparison.Ordinal)
            .Replace("{", "", StringComparison.Ordinal)
            .Replace("}", "", StringComparison.Ordinal)
            .ToLowerInvariant();
        if (StrIsInt(expr))
            expr = StrToInt(expr);
        return expr;
    }

    /// <summary>Python deletes each unit in turn (one <c>re.sub</c> per unit); so do we, to keep the order's
    /// effects.</summary>
    private static string DeleteUnits(string expr)
    {
        foreach (string unit in UnitWords)
        {
            if (!expr.Contains(unit, StringComparison.Ordinal))
                continue;
            expr = Regex.Replace(expr, unit + @"(es)?(s)? *(\^[0-9]+)?", "", Safe, Timeout);
        }
        return expr;
    }

    /// <summary><c>_parse_latex</c>: pylatexenc plus PRM800K's character replacements.</summary>
    private static string ParseLatex(string expr)
    {
        string prepared = expr.Replace("\\tfrac", "\\frac", StringComparison.Ordinal)
            .Replace("\\dfrac", "\\frac", StringComparison.Ordinal)
            .Replace("\\frac", " \\frac", StringComparison.Ordinal); // mixed numbers: 2\frac12 → "2 1/2"
        string text;
        try
        {
            text = LatexToText.Convert(prepared);
        }
        catch (FormatException)
        {
            return expr;
        }
        return text.Replace("√", "sqrt", StringComparison.Ordinal)
            .Replace("π", "pi", StringComparison.Ordinal)
            .Replace("∞", "inf", StringComparison.Ordinal)
            .Replace("∪", "U", StringComparison.Ordinal)
            .Replace("·", "*", StringComparison.Ordinal)
            .Replace("×", "*", StringComparison.Ordinal)
            .Trim();
    }

    /// <summary><c>_strip_properly_formatted_commas</c>: "1,000,000" → "1000000", repeated until stable.</summary>
    public static string StripProperlyFormattedCommas(string expr)
    {
        while (true)
        {
            string next = ProperComma.Replace(expr, "$1$3$4");
            if (next == expr)
                return next;
            expr = next;
        }
    }

    /// <summary><c>_str_is_int</c>: a float (after removing thousands commas) within 1e-7 of an integer.</summary>
    public static bool StrIsInt(string expr) =>
        PythonNumbers.TryParseFloat(StripProperlyFormattedCommas(expr), out double value)
        && PythonNumbers.IsNearInteger(value);

    /// <summary><c>_str_to_int</c>: <c>int(float(x.replace(",", "")))</c>.</summary>
    private static string StrToInt(string expr)
    {
        string digits = expr.Replace(",", "", StringComparison.Ordinal);
        return PythonNumbers.TryParseFloat(digits, out double value) && double.IsFinite(value)
            ? PythonNumbers.TruncateToIntString(value)
            : expr;
    }

    /// <summary><c>_is_frac</c>: "a/b" with an optional sign and one optional stray character on each side.</summary>
    public static bool IsFrac(string expr) => Fraction.IsMatch(expr);

    /// <summary><c>split_tuple</c>: "(a,b)" / "[a,b)" → elements; otherwise the whole string; "" → [].</summary>
    public static IReadOnlyList<string> SplitTuple(string expr)
    {
        expr = StripProperlyFormattedCommas(expr);
        if (expr.Length == 0)
            return [];
        const string tupleChars = "()[]";
        if (
            expr.Length > 2
            && tupleChars.Contains(expr[0], StringComparison.Ordinal)
            && tupleChars.Contains(expr[^1], StringComparison.Ordinal)
            && expr[1..^1].IndexOfAny(tupleChars.ToCharArray()) < 0
        )
            return expr[1..^1].Split(',').Select(e => e.Trim()).ToArray();
        return [expr];
    }
}
