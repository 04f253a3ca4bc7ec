using SaEI.Grains.Results.Statistics;

namespace SaEI.Grains.Tests.Results.Statistics;

public sealed class WelchTestTests
{
    [Fact]
    public void Small_case_by_hand_and_scipy()
    {
        // a = 1, 2, 3 and b = 4, 5, 6: means 2 and 5, variances 1 and 1, s²/n = 1/3 each, SE² = 2/3.
        // t = (2 − 5)/√(2/3) = −3.6742346141747673; ν = (2/3)² / ((1/3)²/2 + (1/3)²/2) = (4/9)/(1/9) = 4.
        // p: scipy.stats.ttest_ind([1,2,3], [4,5,6], equal_var=False).pvalue = 0.021311641128756727.
        var result = WelchTest.Compute([1, 2, 3], [4, 5, 6]);
        Assert.Equal(-3.6742346141747673, result.T!.Value, 12);
        Assert.Equal(4, result.DegreesOfFreedom!.Value, 12);
        Assert.Equal(0.021311641128756727, result.P!.Value, 12);
        Assert.Null(result.Note);
    }

    [Fact]
    public void Published_example_matches_scipy()
    {
        // Wikipedia "Welch's t-test", example 1 (unequal sample variances): t ≈ −2.46, ν ≈ 25.0, p ≈ 0.021; exact
        // values from scipy 1.10.1 ttest_ind(equal_var=False) and the Welch–Satterthwaite formula in numpy.
        double[] a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
        double[] b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
        var result = WelchTest.Compute(a, b);
        Assert.Equal(-2.455356398286006, result.T!.Value, 11);
        Assert.Equal(24.988529290231416, result.DegreesOfFreedom!.Value, 10);
        Assert.Equal(0.021378001462866985, result.P!.Value, 11);
    }

    [Fact]
    public void Unequal_sizes_match_scipy()
    {
        // scipy: ttest_ind([.41,.43,.45], [.40,.40,.41,.39], equal_var=False) → t 2.4494897427831743,
        // p 0.10854647601921386; ν = 2.5051546391752546 (numpy, Welch–Satterthwaite).
        var result = WelchTest.Compute([0.41, 0.43, 0.45], [0.40, 0.40, 0.41, 0.39]);
        Assert.Equal(2.4494897427831743, result.T!.Value, 10);
        Assert.Equal(2.5051546391752546, result.DegreesOfFreedom!.Value, 10);
        Assert.Equal(0.10854647601921386, result.P!.Value, 10);
    }

    [Fact]
    public void Degenerate_inputs_answer_with_a_reason_not_NaN()
    {
        var one = WelchTest.Compute([0.5], [0.4, 0.45]);
        Assert.Null(one.P);
        Assert.Contains("two or more seeds", one.Note);

        var same = WelchTest.Compute([0.5, 0.5], [0.5, 0.5, 0.5]);
        Assert.Equal(1, same.P);
        Assert.Equal(0, same.T);
        Assert.Equal(3, same.DegreesOfFreedom);
        Assert.Contains("zero variance", same.Note);

        var apart = WelchTest.Compute([0.6, 0.6], [0.5, 0.5]);
        Assert.Equal(0, apart.P);
        Assert.Equal(double.PositiveInfinity, apart.T);

        Assert.Throws<ArgumentException>(() => WelchTest.Compute([double.NaN, 1], [1, 2]));
    }
}
