using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// PRM800K <c>should_allow_eval</c> and <c>are_equal_under_sympy</c>, with sympy's <c>simplify(g − a) == 0</c>
/// replaced by evaluation (docs/grader.md §6).
/// equal ⇔ both parse, and g − a is exactly 0 (both exact rationals) or |g − a| &lt; 1e-9·max(1, |g|) (otherwise),
/// at every one of <see cref="SymbolProbes"/> seeded random points when there are free symbols.
/// 1. Symbols are bound to fixed pseudo-random values in [0.5, 3) (seed 20240917): deterministic, positive so that
///    sqrt and ln stay real. A non-finite value at any point means "not equal" (sympy: zoo/nan ≠ 0).
/// 2. Decimals are sympy Floats, i.e. doubles computed sympy's way (<see cref="Quantity"/> decision 2): without symbols
///    a Float side equals a Float or rational side only when both are the same double (sympy's g − a is then exactly
///    0; 40/3.0 ≠ 40/3, 0.1+0.2 ≠ 0.3, 1.5 = 3/2), and never an irrational side (sympy leaves Float − sqrt(2)
///    unevaluated, hence ≠ 0). Decimals of more than 15 digits are exact and never equal an irrational side either.
/// 3. Known gaps: identities sympy proves but floats miss or the reverse; a surd that evaluates to a rational
///    compared with a decimal (sqrt(2)^2 vs 2.5−0.5).
/// </summary>
public static class SympyEquivalence
{
    /// <summary>Random points tried when the expression has free symbols.</summary>
    public const int SymbolProbes = 5;

    private const RegexOptions Safe = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
    private static readonly Regex ChainedPower = new(@"\^[0-9]+\^", Safe, TimeSpan.FromSeconds(1));
    private static readonly Regex LargeExponent = new(@"\^[0-9][0-9]+", Safe, TimeSpan.FromSeconds(1));

    /// <summary><c>should_allow_eval</c>: ≤ 2 distinct letters (after deleting sqrt/frac), no "^{" / "^(", no chained
    /// or two-digit exponents.</summary>
    public static bool ShouldAllowEval(string expr)
    {
        string letters = expr.Replace("sqrt", "", StringComparison.Ordinal)
            .Replace("frac", "", StringComparison.Ordinal);
        if (letters.Where(char.IsLetter).Distinct().Count() > 2)
            return false;
        if (expr.Contains("^{", StringComparison.Ordinal) || expr.Contains("^(", StringComparison.Ordinal))
            return false;
        return !ChainedPower.IsMatch(expr) && !LargeExponent.IsMatch(expr);
    }

    /// <summary><c>are_equal_under_sympy(groundTruth, given)</c> on normalised elements.</summary>
    public static bool AreEqual(string groundTruthNormalized, string givenNormalized)
    {
        string expr = $"({groundTruthNormalized})-({givenNormalized})";
        if (!ShouldAllowEval(expr))
            return false;
        var groundTruth = ExpressionEvaluator.TryParse(groundTruthNormalized);
        var given = ExpressionEvaluator.TryParse(givenNormalized);
        // sympy parses the whole "(g)-(a)"; parsing each side alone accepts the same inputs, because a side that
        // fails alone also fails inside parentheses.
        if (groundTruth is null || given is null || ExpressionEvaluator.TryParse(expr) is null)
            return false;
        var symbols = groundTruth.Symbols().Union(given.Symbols()).Order(StringComparer.Ordinal).ToArray();
        if (symbols.Length == 0)
        {
            var g = groundTruth.Evaluate(NoSymbols);
            var a = given.Evaluate(NoSymbols);
            if (g.IsFloat || a.IsFloat)
                return (g.IsFloat || g.IsExact)
                    && (a.IsFloat || a.IsExact)
                    && double.IsFinite(g.Value)
                    && g.Value == a.Value;
            // sympy never cancels a decimal against a surd or π: 1.4142135623730951 − sqrt(2) stays non-zero.
            if (
                (IsDecimal(groundTruth, g) && !a.IsExact && !given.ContainsDecimal)
                || (IsDecimal(given, a) && !g.IsExact && !groundTruth.ContainsDecimal)
            )
                return false;
            return Close(g, a);
        }
        var random = new Random(20240917);
        for (int probe = 0; probe < SymbolProbes; probe++)
        {
            var point = symbols.ToDictionary(s => s, _ => 0.5 + 2.5 * random.NextDouble(), StringComparer.Ordinal);
            if (!Close(groundTruth.Evaluate(point), given.Evaluate(point)))
                return false;
        }
        return true;
    }

    /// <summary>A rational value written with a decimal literal.</summary>
    private static bool IsDecimal(Expression expression, Quantity value) => expression.ContainsDecimal && value.IsExact;

    private static readonly Dictionary<string, double> NoSymbols = new(StringComparer.Ordinal);

    private static bool Close(Quantity groundTruth, Quantity given)
    {
        if (groundTruth.IsExact && given.IsExact)
            return groundTruth.Numerator == given.Numerator && groundTruth.Denominator == given.Denominator;
        double g = groundTruth.Value,
            a = given.Value;
        if (!double.IsFinite(g) || !double.IsFinite(a))
            return false;
        return Math.Abs(g - a) < 1e-9 * Math.Max(1, Math.Abs(g));
    }
}
