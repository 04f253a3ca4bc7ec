using System.Numerics;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// A value of <see cref="ExpressionEvaluator"/>: an exact rational (BigInteger numerator/denominator, like sympy's
/// Integer/Rational) while only integers, + − × ÷ and small integer powers are involved, otherwise a double (like
/// π, surds, logarithms and symbols evaluated numerically).
/// 1. Exactness keeps integer answers exact: 10000000001 − 10000000000 is 1, never "close to 0"; decimal literals
///    are exact decimals (sympy Floats carry as many digits as written), so 2.0000000001 ≠ 2 and 0.1 = 1/10.
/// 2. Exact powers are capped (exponent ≤ 4096, result ≤ 16384 bits); beyond that the double path takes over, so a
///    hostile "9**9**9" cannot hang (sympy would).
/// </summary>
public readonly record struct Quantity(BigInteger Numerator, BigInteger Denominator, double Approximation, bool IsExact)
{
    private const int MaxPowerBits = 16384;

    public static Quantity FromInteger(BigInteger value) => new(value, BigInteger.One, (double)value, true);

    public static Quantity FromDouble(double value) => new(BigInteger.Zero, BigInteger.One, value, false);

    /// <summary>A Python float literal ("0.1", "073.5e-2") as the exact decimal it spells, like a sympy Float of
    /// that many digits: 0.1 = 1/10 exactly, but 0.3333333333333333 ≠ 1/3. Exponents beyond ±400 fall back to double.</summary>
    public static Quantity FromDecimal(string literal)
    {
        string text = literal.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        int exponentAt = text.IndexOf('e', StringComparison.Ordinal);
        int exponent = 0;
        if (exponentAt >= 0)
        {
            if (!int.TryParse(text[(exponentAt + 1)..], System.Globalization.NumberStyles.AllowLeadingSign,
                    System.Globalization.CultureInfo.InvariantCulture, out exponent) || Math.Abs(exponent) > 400)
                return FromDouble(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
            text = text[..exponentAt];
        }
        int point = text.IndexOf('.', StringComparison.Ordinal);
        string digits = point < 0 ? text : text[..point] + text[(point + 1)..];
        int fractionDigits = point < 0 ? 0 : text.Length - point - 1;
        var numerator = digits.Length == 0 ? BigInteger.Zero : BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        exponent -= fractionDigits;
        return exponent >= 0
            ? Rational(numerator * BigInteger.Pow(10, exponent), BigInteger.One)
            : Rational(numerator, BigInteger.Pow(10, -exponent));
    }

    public double Value => Approximation;

    private static Quantity Rational(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) return FromDouble(double.NaN); // sympy: zoo/nan, never equal to anything
        if (denominator.Sign < 0) { numerator = -numerator; denominator = -denominator; }
        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!gcd.IsOne && !gcd.IsZero) { numerator /= gcd; denominator /= gcd; }
        return new(numerator, denominator, Divide(numerator, denominator), true);
    }

    private static double Divide(BigInteger numerator, BigInteger denominator)
    {
        double value = (double)numerator / (double)denominator;
        if (double.IsFinite(value) || numerator.IsZero) return value;
        // both sides beyond double range: scale down first
        int shift = (int)Math.Max(0, Math.Max(numerator.GetBitLength(), denominator.GetBitLength()) - 1000);
        return (double)(numerator >> shift) / (double)(denominator >> shift);
    }

    public static Quantity operator +(Quantity a, Quantity b) => a.IsExact && b.IsExact
        ? Rational(a.Numerator * b.Denominator + b.Numerator * a.Denominator, a.Denominator * b.Denominator)
        : FromDouble(a.Value + b.Value);

    public static Quantity operator -(Quantity a) => a.IsExact ? a with { Numerator = -a.Numerator, Approximation = -a.Approximation } : FromDouble(-a.Value);

    public static Quantity operator -(Quantity a, Quantity b) => a + -b;

    public static Quantity operator *(Quantity a, Quantity b) => a.IsExact && b.IsExact
        ? Rational(a.Numerator * b.Numerator, a.Denominator * b.Denominator)
        : FromDouble(a.Value * b.Value);

    public static Quantity operator /(Quantity a, Quantity b) => a.IsExact && b.IsExact
        ? Rational(a.Numerator * b.Denominator, a.Denominator * b.Numerator)
        : FromDouble(a.Value / b.Value);

    /// <summary>a^b: exact for an exact base and a small integer exponent, else <see cref="Math.Pow"/>.</summary>
    public static Quantity Power(Quantity a, Quantity b)
    {
        if (a.IsExact && b.IsExact && b.Denominator.IsOne && BigInteger.Abs(b.Numerator) <= 4096)
        {
            int exponent = (int)b.Numerator;
            long bits = (Math.Max(a.Numerator.GetBitLength(), a.Denominator.GetBitLength()) + 1) * (long)Math.Abs(exponent);
            if (bits <= MaxPowerBits)
            {
                if (exponent < 0 && a.Numerator.IsZero) return FromDouble(double.NaN);
                var numerator = BigInteger.Pow(a.Numerator, Math.Abs(exponent));
                var denominator = BigInteger.Pow(a.Denominator, Math.Abs(exponent));
                return exponent >= 0 ? Rational(numerator, denominator) : Rational(denominator, numerator);
            }
        }
        if (a.IsExact && b.IsExact && b.Denominator == 2 && b.Numerator == 1) return SquareRoot(a);
        return FromDouble(Math.Pow(a.Value, b.Value));
    }

    /// <summary>√a: exact when numerator and denominator are perfect squares (sympy: sqrt(4) = 2).</summary>
    public static Quantity SquareRoot(Quantity a)
    {
        if (a.IsExact && a.Numerator.Sign >= 0 && TryExactRoot(a.Numerator, out var n) && TryExactRoot(a.Denominator, out var d))
            return Rational(n, d);
        return FromDouble(Math.Sqrt(a.Value));
    }

    private static bool TryExactRoot(BigInteger value, out BigInteger root)
    {
        root = BigInteger.Zero;
        if (value.Sign < 0) return false;
        if (value < (BigInteger)(1L << 52))
        {
            root = new BigInteger(Math.Round(Math.Sqrt((double)value)));
            return root * root == value;
        }
        // Newton's method on big integers
        BigInteger x = value, y = (x + 1) / 2;
        while (y < x) { x = y; y = (x + value / x) / 2; }
        root = x;
        return x * x == value;
    }
}
