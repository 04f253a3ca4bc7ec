using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// Python's <c>float(str)</c>, <c>int(str)</c> and <c>str(int(...))</c> as the PRM800K grader relies on them.
/// 1. <c>float()</c> accepts surrounding whitespace, a sign, underscores between digits, "inf"/"infinity"/"nan"
///    (any case), ".5", "5." and exponents; anything else raises (here: returns false).
/// 2. Integer conversions go through <see cref="BigInteger"/> so that <c>str(int(1e20))</c> prints every digit.
/// </summary>
public static class PythonNumbers
{
    private const string DigitPart = "[0-9](?:_?[0-9])*";

    private static readonly Regex FloatLiteral = new(
        $@"\A[+-]?(?:(?:{DigitPart}(?:\.(?:{DigitPart})?)?|\.{DigitPart})(?:[eE][+-]?"
            + $@"{DigitPart})?|(?i:inf|infinity|nan))\z",
        RegexOptions.NonBacktracking | RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1)
    );

    private static readonly Regex CanonicalInt = new(
        @"\A(?:0|-?[1-9][0-9]*)\z",
        RegexOptions.NonBacktracking | RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1)
    );

    /// <summary>Python <c>float(text)</c>: true with the value when it would not raise.</summary>
    public static bool TryParseFloat(string text, out double value)
    {
        value = 0;
        string trimmed = text.Trim();
        if (trimmed.Length == 0 || !FloatLiteral.IsMatch(trimmed))
            return false;
        string body = trimmed.Replace("_", "", StringComparison.Ordinal);
        string lower = body.ToLowerInvariant().TrimStart('+', '-');
        bool negative = body.StartsWith('-');
        if (lower is "inf" or "infinity")
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (lower == "nan")
        {
            value = double.NaN;
            return true;
        }
        return double.TryParse(body, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>PRM800K <c>_is_int(x)</c>: <c>abs(x - int(round(x))) &lt;= 1e-7</c>; inf and nan raise, hence
    /// false.</summary>
    public static bool IsNearInteger(double x) =>
        double.IsFinite(x) && Math.Abs(x - Math.Round(x, MidpointRounding.ToEven)) <= 1e-7;

    /// <summary><c>str(int(round(x)))</c> for a finite x (Python rounds half to even).</summary>
    public static string RoundToIntString(double x) =>
        new BigInteger(Math.Round(x, MidpointRounding.ToEven)).ToString(CultureInfo.InvariantCulture);

    /// <summary><c>str(int(x))</c> for a finite x: truncation toward zero.</summary>
    public static string TruncateToIntString(double x) =>
        new BigInteger(Math.Truncate(x)).ToString(CultureInfo.InvariantCulture);

    /// <summary>True when <c>str(int(text)) == text</c> in Python, i.e. a canonical ASCII integer literal.</summary>
    public static bool IsCanonicalInt(string text) => CanonicalInt.IsMatch(text);
}
