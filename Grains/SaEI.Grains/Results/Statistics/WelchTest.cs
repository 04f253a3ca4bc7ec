namespace SaEI.Grains.Results.Statistics;

/// <summary>
/// Welch's unequal-variance t-test of mean(a) − mean(b), two-sided (scipy.stats.ttest_ind(a, b, equal_var=False)):
///   t = (ā − b̄) / √(s_a²/n_a + s_b²/n_b),
///   ν = (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1))   (Welch–Satterthwaite),
/// p = P(|T_ν| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2)                                       (<see cref="SpecialFunctions"/>).
/// Decisions (degenerate inputs get an answer and a reason, never NaN):
/// 1. Fewer than two values on either side: no test (<see cref="WelchResult.P"/> null, the reason says why).
/// 2. Both variances zero: the difference is exact; p = 1 when the means are equal, else p = 0 (the limit of the
///    test as the variances go to zero); ν is reported as n_a + n_b − 2.
/// </summary>
public static class WelchTest
{
    public static WelchResult Compute(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Any(v => !double.IsFinite(v)) || b.Any(v => !double.IsFinite(v)))
            throw new ArgumentException(
                "Welch's test got a non-finite value; re-run the evaluation that produced it.",
                nameof(a)
            );
        if (a.Count < 2 || b.Count < 2)
            return new WelchResult(
                null,
                null,
                null,
                $"Welch's test needs two or more seeds per method (have {a.Count} and {b.Count})"
            );
        var (meanA, varA) = MeanVariance(a);
        var (meanB, varB) = MeanVariance(b);
        double seA = varA / a.Count,
            seB = varB / b.Count,
            se2 = seA + seB;
        if (se2 == 0)
            return new WelchResult(
                meanA == meanB ? 0 : Math.CopySign(double.PositiveInfinity, meanA - meanB),
                a.Count + b.Count - 2,
                meanA == meanB ? 1 : 0,
                "zero variance over seeds in both methods: the difference is exact"
            );
        double t = (meanA - meanB) / Math.Sqrt(se2);
        double df = se2 * se2 / ((seA * seA / (a.Count - 1)) + (seB * seB / (b.Count - 1)));
        return new WelchResult(t, df, SpecialFunctions.StudentTTwoSidedP(t, df), null);
    }

    /// <summary>Mean and sample variance (n − 1).</summary>
    public static (double Mean, double Variance) MeanVariance(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return (mean, values.Count < 2 ? 0 : values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}

/// <summary>t, Welch–Satterthwaite degrees of freedom and two-sided p; all null with a <paramref name="Note"/> when
/// there is no test, or set with a note when the inputs are degenerate.</summary>
public sealed record WelchResult(double? T, double? DegreesOfFreedom, double? P, string? Note);
