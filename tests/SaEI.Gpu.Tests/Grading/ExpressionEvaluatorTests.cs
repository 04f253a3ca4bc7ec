using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tests.Grading;

/// <summary>are_equal_under_sympy on normalised strings. Every expected value was produced by the PRM800K code with
/// sympy 1.14 (parse_expr + simplify); each row names the sympy behaviour it pins.</summary>
public sealed class ExpressionEvaluatorTests
{
    [Theory]
    [InlineData("2sqrt(3)", "sqrt(12)", true)]
    [InlineData("x^2+2x+1", "(x+1)^2", true)]
    [InlineData("xy^-1", "x/y", true)] // the name "xy" splits into x·y before parsing: y^-1 only
    [InlineData("x2", "2x", true)]
    [InlineData("73", "073", false)] // Python tokenizes 073 as 0 73
    [InlineData("1/10", "0.1", true)] // a decimal is exact
    [InlineData("1/3", "0.3333333333333333", false)]
    [InlineData("2", "2.0000000001", false)]
    [InlineData("1.4142135623730951", "sqrt(2)", false)] // decimals never match surds
    [InlineData("pi", "3.141592653589793", false)]
    [InlineData("1.5pi", "3pi/2", true)]
    [InlineData("0.5+sqrt(2)", "1/2+sqrt(2)", true)]
    [InlineData("0.1x", "x/10", true)]
    [InlineData("10000000001", "10000000000.0", false)]
    [InlineData("1e20", "100000000000000000000", true)]
    [InlineData("e^2", "ee", true)] // e is a symbol in sympy
    [InlineData("2i", "i+i", true)] // so is i
    [InlineData("(1,2)", "(1,2)", false)] // tuples do not subtract
    [InlineData("pir^2", "pi*r^2", false)] // three letters: not evaluated at all
    [InlineData("x^10", "x^10", false)] // two-digit exponents are refused
    [InlineData("2^(3)", "8", false)] // "^(" is refused
    public void Matches_sympy(string groundTruth, string given, bool expected) =>
        Assert.Equal(expected, SympyEquivalence.AreEqual(groundTruth, given));

    [Theory]
    [InlineData("2**3x", 8.0 * 1.5)]
    [InlineData("-2^2", -4.0)]
    [InlineData("1/2x", 0.75)] // (1/2)·x, left to right
    [InlineData("sqrt(3)2", 3.4641016151377544)]
    [InlineData("2(3)(4)", 24.0)]
    [InlineData("sqrt3", 3 * 1.5 * 1.5 * 1.5 * 1.5)] // s·q·r·t·3 with every symbol at 1.5
    public void Parses_with_python_precedence_and_implicit_multiplication(string text, double expected)
    {
        var expression = ExpressionEvaluator.TryParse(text);
        Assert.NotNull(expression);
        var symbols = expression.Symbols().ToDictionary(s => s, _ => 1.5);
        Assert.Equal(expected, expression.Evaluate(symbols).Value, 12);
    }

    [Theory]
    [InlineData("1,2")]
    [InlineData("x=5")]
    [InlineData("≤3")]
    [InlineData("5!")]
    [InlineData("sqrt")]
    [InlineData("(1+2")]
    public void Rejects_what_sympy_cannot_parse(string text) => Assert.Null(ExpressionEvaluator.TryParse(text));

    [Fact]
    public void Exact_rationals_stay_exact()
    {
        var value = ExpressionEvaluator.TryParse("1/3+1/6-1/2+2^64")!.Evaluate(new Dictionary<string, double>());
        Assert.True(value.IsExact);
        Assert.Equal(System.Numerics.BigInteger.Pow(2, 64), value.Numerator);
        Assert.Equal(System.Numerics.BigInteger.One, value.Denominator);
    }

    [Fact]
    public void A_decimal_makes_a_sympy_float_computed_in_doubles_the_way_sympy_does()
    {
        // 1/3 + 1/6 stays the exact 1/2; minus the Float 0.5 is a Float 0. 40/3.0 is 40·(1/3.0) (sympy's
        // Rational ÷ Float), one ulp below the double nearest 40/3.
        var zero = ExpressionEvaluator.TryParse("1/3+1/6-0.5")!.Evaluate(new Dictionary<string, double>());
        Assert.Equal((false, true, 0.0), (zero.IsExact, zero.IsFloat, zero.Value));
        var third = ExpressionEvaluator.TryParse("40/3.0")!.Evaluate(new Dictionary<string, double>());
        Assert.Equal((true, 40 * (1 / 3.0)), (third.IsFloat, third.Value));
        Assert.NotEqual(40 / 3.0, third.Value);
    }
}
