using System.Numerics;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// A value of <see cref="ExpressionEvaluator"/>: an exact rational (BigInteger numerator/denominator, like sympy's
/// Integer/Rational) while only integers, + − × ÷ and small integer powers are involved, otherwise a double (like
/// π, surds, logarithms and symbols evaluated numerically).
/// 1. Exactness keeps integer answers exact: 10000000001 − 10000000000 is 1, never "close to 0".
/// 2. A decimal literal of ≤ 15 significant digits is a sympy Float of 53 bits, i.e. a double (<see cref="IsFloat"/>),
///    and arithmetic with it is double arithmetic in sympy's way: a Rational meeting a Float is rounded to 53 bits, and
///    Rational ÷ Float is Rational × (1/Float) (sympy's Rational.__truediv__), so 40/3.0 = 13.333333333333332 while
///    40/3 rounds to 13.333333333333334: MathRuler rejects \frac{40}{3}.0 for \frac{40}{3} (issue #11), and so does
///    this port. 0.1 = 1/10 still holds (both round to the same double); 2.0000000001 ≠ 2.
///    Longer literals stay exact decimals (sympy raises the Float's precision to the digits written).
/// 3. Exact powers are capped (exponent ≤ 4096, result ≤ 16384 bits); beyond that the double path takes over, so a
///    hostile "9**9**9" cannot hang (sympy would).
/// </summary>
public readonly record struct Quantity(
    BigInteger Numerator,
    BigInteger Denominator,
    double Approximation,
    bool IsExact,
    bool IsFloat = false
)
{
    /// <summary>sympy's default Float precision: 15 significant decimal digits (53 bits).</summary>
    private const int FloatDigits = 15;

    private const int MaxPowerBits = 16384;

    public static Quantity FromInteger(BigInteger value) => new(value, BigInteger.One, (double)value, true);

    public static Quantity FromDouble(double value) => new(BigInteger.Zero, BigInteger.One, value, false);

    /// <summary>A sympy Float of the default precision: a double.</summary>
    public static Quantity FromFloat(double value) => new(BigInteger.Zero, BigInteger.One, value, false, true);

    /// <summary>A Python float literal ("0.1", "073.5e-2"): a 53-bit sympy Float up to 15 significant digits, else the
    /// exact decimal it spells (0.3333333333333333 ≠ 1/3). Exponents beyond ±400 fall back to double.</summary>
    public static Quantity FromDecimal(string literal)
    {
        string text = literal.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        if (
            SignificantDigits(text) <= FloatDigits
            && double.TryParse(
                text,
                System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture,
                out double value
            )
            && double.IsFinite(value)
        )
            return FromFloat(value);
        int exponentAt = text.IndexOf('e', StringComparison.Ordinal);
        int exponent = 0;
        if (exponentAt >= 0)
        {
            if (
                !int.TryParse(
                    text[(exponentAt + 1)..],
                    System.Globalization.NumberStyles.AllowLeadingSign,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out exponent
                )
                || Math.Abs(exponent) > 400
            )
                return FromDouble(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
            text = text[..exponentAt];
        }
        int point = text.IndexOf('.', StringComparison.Ordinal);
        string digits = point < 0 ? text : text[..point] + text[(point + 1)..];
        int fractionDigits = point < 0 ? 0 : text.Length - point - 1;
        var numerator =
            digits.Length == 0
                ? BigInteger.Zero
                : BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        exponent -= fractionDigits;
        return exponent >= 0
            ? Rational(numerator * BigInteger.Pow(10, exponent), BigInteger.One)
            : Rational(numerator, BigInteger.Pow(10, -exponent));
    }

    public double Value => Approximation;

    private static int SignificantDigits(string text)
    {
        int exponentAt = text.IndexOf('e', StringComparison.Ordinal);
        string mantissa = (exponentAt < 0 ? text : text[..exponentAt])
            .Replace(".", "", StringComparison.Ordinal)
            .TrimStart('0');
        return mantissa.TrimEnd('0').Length;
    }

    /// <summary>A Float meets a Float or a Rational: sympy computes in 53-bit binary (the Rational rounded
    /// first).</summary>
    private static bool FloatArithmetic(Quantity a, Quantity b) =>
        (a.IsFloat || b.IsFloat) && (a.IsFloat || a.IsExact) && (b.IsFloat || b.IsExact);

    private static Quantity Rational(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero)
            return FromDouble(double.NaN); // sympy: zoo/nan, never equal to anything
        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }
        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!gcd.IsOne && !gcd.IsZero)
        {
            numerator /= gcd;
            denominator /= gcd;
        }
        return new(numerator, denominator, Divide(numerator, denominator), true);
    }

    private static double Divide(BigInteger numerator, BigInteger denominator)
    {
        double value = (double)numerator / (double)denominator;
        if (double.IsFinite(value) || numerator.IsZero)
            return value;
        // both sides beyond double range: scale down first
        int shift = (int)Math.Max(0, Math.Max(numerator.GetBitLength(), denominator.GetBitLength()) - 1000);
        return (double)(numerator >> shift) / (double)(denominator >> shift);
    }

    public static Quantity operator +(Quantity a, Quantity b) =>
        a.IsExact && b.IsExact
            ? Rational(a.Numerator * b.Denominator + b.Numerator * a.Denominator, a.Denominator * b.Denominator)
        : FloatArithmetic(a, b) ? FromFloat(a.Value + b.Value)
        : FromDouble(a.Value + b.Value);

    public static Quantity operator -(Quantity a) =>
        a.IsExact || a.IsFloat
            ? a with
            {
                Numerator = -a.Numerator,
                Approximation = -a.Approximation,
            }
            : FromDouble(-a.Value);

    public static Quantity operator -(Quantity a, Quantity b) => a + -b;

    public static Quantity operator *(Quantity a, Quantity b) =>
        a.IsExact && b.IsExact ? Rational(a.Numerator * b.Numerator, a.Denominator * b.Denominator)
        : FloatArithmetic(a, b) ? FromFloat(a.Value * b.Value)
        : FromDouble(a.Value * b.Value);

    /// <summary>a ÷ b; Rational ÷ Float is Rational × (1/Float), as sympy computes it (decision 2).</summary>
    public static Quantity operator /(Quantity a, Quantity b)
    {
        if (a.IsExact && b.IsExact)
            return Rational(a.Numerator * b.Denominator, a.Denominator * b.Numerator);
        if (!FloatArithmetic(a, b))
            return FromDouble(a.Value / b.Value);
        return a.IsExact ? FromFloat(a.Value * (1.0 / b.Value)) : FromFloat(a.Value / b.Value);
    }

    /// <summary>a^b: exact for an exact base and a small integer exponent, else <see cref="Math.Pow"/>.</summary>
    public static Quantity Power(Quantity a, Quantity b)
    {
        if (a.IsExact && b.IsExact && b.Denominator.IsOne && BigInteger.Abs(b.Numerator) <= 4096)
        {
            int exponent = (int)b.Numerator;
            long bits =
                (Math.Max(a.Numerator.GetBitLength(), a.Denominator.GetBitLength()) + 1) * (long)Math.Abs(exponent);
            if (bits <= MaxPowerBits)
            {
                if (exponent < 0 && a.Numerator.IsZero)
                    return FromDouble(double.NaN);
                var numerator = BigInteger.Pow(a.Numerator, Math.Abs(exponent));
                var denominator = BigInteger.Pow(a.Denominator, Math.Abs(exponent));
                return exponent >= 0 ? Rational(numerator, denominator) : Rational(denominator, numerator);
            }
        }
        if (b.IsExact && b.Denominator == 2 && b.Numerator == 1 && (a.IsExact || a.IsFloat))
            return SquareRoot(a);
        return FloatArithmetic(a, b) ? FromFloat(Math.Pow(a.Value, b.Value)) : FromDouble(Math.Pow(a.Value, b.Value));
    }

    /// <summary>√a: exact when numerator and denominator are perfect squares (sympy: sqrt(4) = 2).</summary>
    public static Quantity SquareRoot(Quantity a)
    {
        if (
            a.IsExact
            && a.Numerator.Sign >= 0
            && TryExactRoot(a.Numerator, out var n)
            && TryExactRoot(a.Denominator, out var d)
        )
            return Rational(n, d);
        return a.IsFloat ? FromFloat(Math.Sqrt(a.Value)) : FromDouble(Math.Sqrt(a.Value));
    }

    private static bool TryExactRoot(BigInteger value, out BigInteger root)
    {
        root = BigInteger.Zero;
        if (value.Sign < 0)
            return false;
        if (value < (BigInteger)(1L << 52))
        {
            root = new BigInteger(Math.Round(Math.Sqrt((double)value)));
            return root * root == value;
        }
        // Newton's method on big integers
        BigInteger x = value,
            y = (x + 1) / 2;
        while (y < x)
        {
            x = y;
            y = (x + value / x) / 2;
        }
        root = x;
        return x * x == value;
    }
}
