using SaEI.Grains.Results.Statistics;

namespace SaEI.Grains.Tests.Results.Statistics;

public sealed class MethodComparisonTests
{
    [Fact]
    public void Minimum_detectable_difference_is_2_80_standard_errors()
    {
        // z_{0.975} + z_{0.8} = 1.959963984540054 + 0.8416212335729143 (scipy.stats.norm.ppf) = 2.8015852181129683.
        Assert.Equal(2.8015852181129683 * 0.01, MethodComparison.MinimumDetectableDifference(0.01), 11);
    }

    [Fact]
    public void The_verdict_follows_the_interval()
    {
        var (better, baseline) = DifferenceBootstrapTests.Simulate(
            new SplitMix64(1),
            problems: 256,
            seeds: 3,
            k: 4,
            trueDifference: 0.15
        );
        var up = MethodComparison.Compare(better, baseline);
        Assert.Equal(ComparisonVerdict.Better, up.Verdict);
        Assert.Equal("better", up.VerdictText);
        Assert.True(up.Low > 0);
        Assert.Equal(ComparisonVerdict.Worse, MethodComparison.Compare(baseline, better).Verdict);

        // No true difference: the interval holds 0; the text gives the MDE in points.
        var (same, reference) = DifferenceBootstrapTests.Simulate(
            new SplitMix64(2),
            problems: 64,
            seeds: 3,
            k: 4,
            trueDifference: 0
        );
        var flat = MethodComparison.Compare(same, reference);
        Assert.Equal(ComparisonVerdict.NoDifferenceDetectable, flat.Verdict);
        Assert.Matches(@"^no difference detectable \(MDE \d+\.\d\d points\)$", flat.VerdictText);
        Assert.Equal(2.8015852181129683 * flat.StandardError, flat.MinimumDetectableDifference!.Value, 9);
        Assert.NotNull(flat.Welch.P);
    }

    [Fact]
    public void Means_alone_never_make_a_verdict()
    {
        // Seed scores 0.60, 0.40 vs 0.45, 0.45: the method's mean is 0.05 higher but its seeds disagree.
        var comparison = MethodComparison.Compare([new(1, 0.60), new(2, 0.40)], [new(1, 0.45), new(2, 0.45)]);
        Assert.Equal(0.05, comparison.Difference, 12);
        Assert.Equal(ComparisonVerdict.NoDifferenceDetectable, comparison.Verdict);
    }

    [Fact]
    public void One_seed_without_problems_says_so()
    {
        var comparison = MethodComparison.Compare([new(1, 0.7)], [new(1, 0.4)]);
        Assert.Equal(ComparisonVerdict.NoDifferenceDetectable, comparison.Verdict);
        Assert.Null(comparison.MinimumDetectableDifference);
        Assert.Null(comparison.Welch.P);
        Assert.Equal("no difference detectable (too few data for an interval)", comparison.VerdictText);
        Assert.Contains("no interval", comparison.Note);
    }
}
