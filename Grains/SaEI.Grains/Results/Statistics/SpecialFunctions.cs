namespace SaEI.Grains.Results.Statistics;

/// <summary>
/// The special functions behind the tests: log Γ, the regularized incomplete beta I_x(a, b), Student's t CDF and the
/// standard normal quantile. Pure, double precision.
/// Decisions:
/// 1. log Γ by the Lanczos approximation (g = 7, n = 9; relative error below 1e-13 for x &gt; 0).
/// 2. I_x(a, b) by its continued fraction (modified Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where
///    the fraction converges slowly (x &gt; (a + 1) / (a + b + 2)), as Numerical Recipes' betai.
/// 3. Student's t: P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2), valid for any real ν &gt; 0 (Welch's ν is not an integer).
/// 4. The normal quantile by Acklam's rational approximation refined by one Halley step on erfc (|error| &lt; 1e-12).
/// </summary>
public static class SpecialFunctions
{
    private static readonly double[] Lanczos =
    [
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0))
            throw new ArgumentOutOfRangeException(nameof(x), x, "log Γ is defined here for x > 0 only.");
        if (x < 0.5)
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x); // reflection
        x -= 1;
        double sum = Lanczos[0];
        for (int i = 1; i < Lanczos.Length; i++)
            sum += Lanczos[i] / (x + i);
        double t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    /// <summary>The regularized incomplete beta function I_x(a, b) for a, b &gt; 0 and x in [0, 1].</summary>
    public static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (!(a > 0) || !(b > 0))
            throw new ArgumentOutOfRangeException(
                nameof(a),
                $"I_x(a, b) needs a > 0 and b > 0 (got a = {a}, b = {b})."
            );
        if (x is < 0 or > 1 || double.IsNaN(x))
            throw new ArgumentOutOfRangeException(nameof(x), x, "I_x(a, b) needs x in [0, 1].");
        if (x == 0)
            return 0;
        if (x == 1)
            return 1;
        double logFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x));
        double front = Math.Exp(logFront);
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(x, a, b) / a
            : 1 - (front * BetaContinuedFraction(1 - x, b, a) / b);
    }

    /// <summary>Two-sided p-value of Student's t with <paramref name="degreesOfFreedom"/> (any real ν &gt;
    /// 0).</summary>
    public static double StudentTTwoSidedP(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0))
            throw new ArgumentOutOfRangeException(
                nameof(degreesOfFreedom),
                degreesOfFreedom,
                "degrees of freedom must be > 0."
            );
        if (double.IsNaN(t))
            throw new ArgumentOutOfRangeException(nameof(t), t, "t is NaN.");
        if (double.IsInfinity(t))
            return 0;
        return RegularizedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + (t * t)), degreesOfFreedom / 2, 0.5);
    }

    /// <summary>Student's t CDF P(T ≤ t).</summary>
    public static double StudentTCdf(double t, double degreesOfFreedom)
    {
        double tail = StudentTTwoSidedP(t, degreesOfFreedom) / 2;
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The standard normal CDF Φ(z).</summary>
    public static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>The standard normal quantile Φ⁻¹(p) for p in (0, 1).</summary>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "the normal quantile needs p in (0, 1).");
        double[] a =
        [
            -3.969683028665376e+01,
            2.209460984245205e+02,
            -2.759285104469687e+02,
            1.383577518672690e+02,
            -3.066479806614716e+01,
            2.506628277459239e+00,
        ];
        double[] b =
        [
            -5.447609879822406e+01,
            1.615858368580409e+02,
            -1.556989798598866e+02,
            6.680131188771972e+01,
            -1.328068155288572e+01,
        ];
        double[] c =
        [
            -7.784894002430293e-03,
            -3.223964580411365e-01,
            -2.400758277161838e+00,
            -2.549732539343734e+00,
            4.374664141464968e+00,
            2.938163982698783e+00,
        ];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((((((c[0] * q) + c[1]) * q) + c[2]) * q) + c[3]) * q) + c[4]) * q) + c[5];
            x /= (((((((d[0] * q) + d[1]) * q) + d[2]) * q) + d[3]) * q) + 1;
        }
        else if (p <= 1 - low)
        {
            double q = p - 0.5,
                r = q * q;
            x = (((((((((a[0] * r) + a[1]) * r) + a[2]) * r) + a[3]) * r) + a[4]) * r) + a[5];
            x = x * q / ((((((((((b[0] * r) + b[1]) * r) + b[2]) * r) + b[3]) * r) + b[4]) * r) + 1);
        }
        else
        {
            double q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = (((((((((c[0] * q) + c[1]) * q) + c[2]) * q) + c[3]) * q) + c[4]) * q) + c[5];
            x = -x / ((((((((d[0] * q) + d[1]) * q) + d[2]) * q) + d[3]) * q) + 1);
        }
        // One Halley step on the exact CDF.
        double e = NormalCdf(x) - p;
        double u = e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - (u / (1 + (x * u / 2)));
    }

    /// <summary>erfc(x) = Q(1/2, x²) (x ≥ 0): the incomplete gamma series for small x, its continued fraction
    /// beyond.</summary>
    public static double Erfc(double x)
    {
        if (x < 0)
            return 2 - Erfc(-x);
        double x2 = x * x;
        return x2 < 1.5 ? 1 - LowerGammaSeries(0.5, x2) : UpperGammaFraction(0.5, x2);
    }

    /// <summary>P(a, x) by its series (x &lt; a + 1 converges fast).</summary>
    private static double LowerGammaSeries(double a, double x)
    {
        if (x == 0)
            return 0;
        double term = 1 / a,
            sum = term;
        for (int n = 1; n < 500; n++)
        {
            term *= x / (a + n);
            sum += term;
            if (Math.Abs(term) < Math.Abs(sum) * 1e-16)
                break;
        }
        return sum * Math.Exp(-x + (a * Math.Log(x)) - LogGamma(a));
    }

    /// <summary>Q(a, x) by its continued fraction (modified Lentz).</summary>
    private static double UpperGammaFraction(double a, double x)
    {
        const double tiny = 1e-300;
        double b = x + 1 - a,
            c = 1 / tiny,
            d = 1 / b,
            h = d;
        for (int i = 1; i < 500; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            if (Math.Abs(d) < tiny)
                d = tiny;
            c = b + (an / c);
            if (Math.Abs(c) < tiny)
                c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
                break;
        }
        return Math.Exp(-x + (a * Math.Log(x)) - LogGamma(a)) * h;
    }

    /// <summary>The continued fraction of I_x(a, b) (Numerical Recipes betacf, modified Lentz).</summary>
    private static double BetaContinuedFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double qab = a + b,
            qap = a + 1,
            qam = a - 1;
        double c = 1,
            d = 1 - (qab * x / qap);
        if (Math.Abs(d) < tiny)
            d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 1000; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + (aa * d);
            if (Math.Abs(d) < tiny)
                d = tiny;
            c = 1 + (aa / c);
            if (Math.Abs(c) < tiny)
                c = tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + (aa * d);
            if (Math.Abs(d) < tiny)
                d = tiny;
            c = 1 + (aa / c);
            if (Math.Abs(c) < tiny)
                c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 3e-16)
                return h;
        }
        return h; // 1,000 terms: converged to well below the precision any p-value here is printed with
    }
}
