using SaEI.Grains.Results.Statistics;

namespace SaEI.Grains.Tests.Results.Statistics;

/// <summary>Closed forms by hand, and scipy 1.10.1 (special.betainc, special.gammaln, stats.t, stats.norm) as
/// reference.</summary>
public sealed class SpecialFunctionsTests
{
    [Fact]
    public void Closed_forms_by_hand()
    {
        // Γ(5) = 4! = 24; Γ(1/2) = √π.
        Assert.Equal(Math.Log(24), SpecialFunctions.LogGamma(5), 12);
        Assert.Equal(0.5 * Math.Log(Math.PI), SpecialFunctions.LogGamma(0.5), 12);
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b.
        Assert.Equal(0.3, SpecialFunctions.RegularizedIncompleteBeta(0.3, 1, 1), 12);
        Assert.Equal(Math.Pow(0.7, 3.5), SpecialFunctions.RegularizedIncompleteBeta(0.7, 3.5, 1), 12);
        Assert.Equal(1 - Math.Pow(0.8, 2.5), SpecialFunctions.RegularizedIncompleteBeta(0.2, 1, 2.5), 12);
        // Student t with 1 degree of freedom is Cauchy: P(|T| ≥ 1) = 1 − (2/π)·atan(1) = 1/2.
        Assert.Equal(0.5, SpecialFunctions.StudentTTwoSidedP(1, 1), 12);
        Assert.Equal(1, SpecialFunctions.StudentTTwoSidedP(0, 7.3), 12);
        Assert.Equal(0.5, SpecialFunctions.StudentTCdf(0, 3), 12);
        // Φ⁻¹(1/2) = 0 and Φ(Φ⁻¹(p)) = p.
        Assert.Equal(0, SpecialFunctions.NormalQuantile(0.5), 12);
        Assert.Equal(0.123, SpecialFunctions.NormalCdf(SpecialFunctions.NormalQuantile(0.123)), 12);
    }

    [Theory]
    [InlineData(0.3, 2.5, 0.5, 0.01892712407194565)]
    [InlineData(0.9, 10, 3, 0.889130022255)]
    [InlineData(0.5, 0.5, 0.5, 0.5000000000000001)]
    [InlineData(0.99, 50, 0.5, 0.31730439787419623)]
    public void Incomplete_beta_matches_scipy(double x, double a, double b, double expected) =>
        Assert.Equal(expected, SpecialFunctions.RegularizedIncompleteBeta(x, a, b), 11);

    [Fact]
    public void Student_t_log_gamma_and_normal_match_scipy()
    {
        Assert.Equal(0.8932009153989934, SpecialFunctions.StudentTCdf(1.5, 3.7), 11);
        Assert.Equal(0.2951672353008664, SpecialFunctions.StudentTTwoSidedP(2.0, 1), 11);
        Assert.Equal(5.141881821863846e-05, SpecialFunctions.StudentTTwoSidedP(4.2, 120.5), 13);
        Assert.Equal(1.0957979948180756, SpecialFunctions.LogGamma(0.3), 11);
        Assert.Equal(12.801827480081469, SpecialFunctions.LogGamma(10), 11);
        Assert.Equal(469.3360974421906, SpecialFunctions.LogGamma(123.4), 9);
        Assert.Equal(1.959963984540054, SpecialFunctions.NormalQuantile(0.975), 11);
        Assert.Equal(0.8416212335729143, SpecialFunctions.NormalQuantile(0.8), 11);
        Assert.Equal(-4.264890793922825, SpecialFunctions.NormalQuantile(1e-5), 10);
        Assert.Equal(-0.5244005127080409, SpecialFunctions.NormalQuantile(0.3), 11);
        Assert.Equal(0.6713732405408726, SpecialFunctions.Erfc(0.3), 12);
        Assert.Equal(0.00040695201744495886, SpecialFunctions.Erfc(2.5), 14);
    }

    [Fact]
    public void Out_of_domain_arguments_are_named()
    {
        Assert.Contains(
            "x > 0",
            Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFunctions.LogGamma(0)).Message
        );
        Assert.Contains(
            "x in [0, 1]",
            Assert
                .Throws<ArgumentOutOfRangeException>(() => SpecialFunctions.RegularizedIncompleteBeta(1.2, 1, 1))
                .Message
        );
        Assert.Contains(
            "p in (0, 1)",
            Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFunctions.NormalQuantile(1)).Message
        );
    }
}
