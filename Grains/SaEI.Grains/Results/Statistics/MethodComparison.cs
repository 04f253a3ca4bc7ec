using System.Globalization;

namespace SaEI.Grains.Results.Statistics;

/// <summary>The three answers a comparison can give.</summary>
public enum ComparisonVerdict
{
    /// <summary>The whole interval is above 0.</summary>
    Better,

    /// <summary>The whole interval is below 0.</summary>
    Worse,

    /// <summary>The interval contains 0 (or there is none).</summary>
    NoDifferenceDetectable,
}

/// <summary>
/// One method against the baseline on one benchmark (scores in [0, 1]; the text shows points = ×100): seeds of each,
/// Difference = mean(method) − mean(baseline) over seeds, the 95% bootstrap interval [Low, High] (null when there is
/// none, see Note), its standard error, the minimum detectable difference ((z_{1−α/2} + z_{power}) · SE at α = 0.05,
/// power 0.8; null without an interval), Welch's test over the seeds' scores, the verdict, how the bootstrap paired
/// and resampled, and a Note saying why a figure is missing or what the interval does not cover (one seed).
/// </summary>
public sealed record Comparison(
    int MethodSeeds,
    int BaselineSeeds,
    double Difference,
    double? Low,
    double? High,
    double StandardError,
    double? MinimumDetectableDifference,
    WelchResult Welch,
    ComparisonVerdict Verdict,
    bool PairedSeeds,
    bool PairedProblems,
    string Resampled,
    string? Note
)
{
    /// <summary>"better", "worse" or "no difference detectable (MDE 2.31 points)".</summary>
    public string VerdictText =>
        Verdict switch
        {
            ComparisonVerdict.Better => "better",
            ComparisonVerdict.Worse => "worse",
            _ when MinimumDetectableDifference is { } mde => string.Create(
                CultureInfo.InvariantCulture,
                $"no difference detectable (MDE {100 * mde:0.00} points)"
            ),
            _ => "no difference detectable (too few data for an interval)",
        };
}

/// <summary>
/// The comparison of a method with a baseline (<see cref="Comparison"/>): the bootstrap interval of the difference
/// (<see cref="DifferenceBootstrap"/>), Welch's test over seeds (<see cref="WelchTest"/>), the minimum detectable
/// difference and the verdict.
/// Decisions:
/// 1. The verdict is read from the interval only, never from the means: "better" when Low &gt; 0, "worse" when
///    High &lt; 0, else "no difference detectable (MDE x points)".
/// 2. The minimum detectable difference is the true difference this design finds with power 0.8 by a two-sided test
///    at α = 0.05 under a normal approximation: MDE = (z_{0.975} + z_{0.8}) · SE ≈ 2.80 · SE, with SE the
///    bootstrap standard error (so it reflects both seeds and test problems, like the interval).
/// 3. Welch's test uses the seeds' scores only (the classic "over seeds" test); with one seed it has no answer and
///    the note says so.
/// </summary>
public static class MethodComparison
{
    /// <summary>Significance level of the MDE (two-sided).</summary>
    public const double Alpha = 0.05;

    /// <summary>Power of the MDE.</summary>
    public const double Power = 0.8;

    public static Comparison Compare(
        IReadOnlyList<SeedEvaluation> method,
        IReadOnlyList<SeedEvaluation> baseline,
        BootstrapOptions? options = null
    )
    {
        var bootstrap = DifferenceBootstrap.Compute(method, baseline, options);
        var welch = WelchTest.Compute(
            [.. method.Select(e => e.MeanPassRate)],
            [.. baseline.Select(e => e.MeanPassRate)]
        );
        double? mde = bootstrap.Low is null ? null : MinimumDetectableDifference(bootstrap.StandardError);
        var verdict =
            bootstrap.Low > 0 ? ComparisonVerdict.Better
            : bootstrap.High < 0 ? ComparisonVerdict.Worse
            : ComparisonVerdict.NoDifferenceDetectable;
        string? note = bootstrap.Resampled switch
        {
            "nothing" => "one seed per method and no per-problem results: no interval",
            "problems" => "one seed per method: the interval covers test problems only, not seed-to-seed variation",
            _ => welch.Note,
        };
        return new Comparison(
            method.Count,
            baseline.Count,
            bootstrap.Difference,
            bootstrap.Low,
            bootstrap.High,
            bootstrap.StandardError,
            mde,
            welch,
            verdict,
            bootstrap.PairedSeeds,
            bootstrap.PairedProblems,
            bootstrap.Resampled,
            note
        );
    }

    /// <summary>(z_{1−α/2} + z_{power}) · standardError.</summary>
    public static double MinimumDetectableDifference(
        double standardError,
        double alpha = Alpha,
        double power = Power
    ) => (SpecialFunctions.NormalQuantile(1 - (alpha / 2)) + SpecialFunctions.NormalQuantile(power)) * standardError;
}
