using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tests.Grading;

/// <summary>Every example of docs/grader.md §9, plus the strictness rules each stage is responsible for.</summary>
public sealed class AnswerGraderTests
{
    [Theory]
    [InlineData("2\\sqrt{3}", "2\\sqrt3")]
    [InlineData("\\frac{1}{2}", "0.5")]
    [InlineData("30^\\circ", "30")]
    [InlineData("x=5", "5")]
    [InlineData("(A)", "A")]
    [InlineData("3.0", "3")]
    [InlineData("12\\text{ cm}", "12")]
    [InlineData("50\\%", "50")]
    [InlineData("1,000", "1000")]
    [InlineData("\\sqrt{48}", "4\\sqrt{3}")]
    [InlineData("2\\frac{1}{2}", "5/2")]
    public void Grader_md_true_examples_are_correct(string given, string groundTruth) =>
        Assert.True(AnswerGrader.Grade(given, groundTruth), $"{given} vs {groundTruth}");

    [Theory]
    [InlineData("\\frac{2}{4}", "\\frac{1}{2}")] // unreduced fractions are wrong
    [InlineData("\\pi", "3.14159")] // decimals never match surds/constants
    [InlineData("10^{2}", "100")] // an integer ground truth needs an integer literal
    [InlineData("(1,2)", "[1,2]")] // bracket types must match
    [InlineData("5,6", "6,5")]
    [InlineData("\\frac{1}{x+1}", "1/(x+1)")] // LaTeX fractions lose their parentheses
    [InlineData("None", "5")]
    public void Grader_md_false_examples_are_wrong(string given, string groundTruth) =>
        Assert.False(AnswerGrader.Grade(given, groundTruth), $"{given} vs {groundTruth}");

    [Theory]
    [InlineData("2\\times3", "6", false)] // integer guard: "2*3" is not an integer literal
    [InlineData("(073)", "073", false)] // Python tokenizes 073 as 0 73 → 0·73 = 0 (MathRuler's AIME miss)
    [InlineData("\\textbf{(113) }", "113", true)] // unwrapped to "(113)", a one-element tuple
    [InlineData("104.", "104", true)]
    [InlineData("25", "025", true)]
    [InlineData("\\dfrac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}{2}", true)]
    [InlineData("x^2+2x+1", "(x+1)^2", true)] // symbols evaluated at random points
    [InlineData("x^2+2x", "(x+1)^2", false)]
    [InlineData("2\\pi", "\\pi\\cdot 2", true)]
    [InlineData("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})", true)]
    [InlineData("(3, \\frac{\\pi}{2})", "(3,\\frac{\\pi}{3})", false)]
    [InlineData("10000000001", "10000000000", false)] // exact integers, no relative tolerance
    [InlineData("\\infty", "\\infty", true)]
    [InlineData("5 \\text{ meters}", "5", true)]
    [InlineData("1/3", "0.333333", false)]
    [InlineData("\\text{east}", "east", true)]
    public void Strictness_rules_hold(string given, string groundTruth, bool expected) =>
        Assert.Equal(expected, AnswerGrader.Grade(given, groundTruth));

    /// <summary>
    /// Issue #11 item 11: decimals are sympy Floats. sympy computes 40/3.0 as 40·(1/3.0) = 13.333333333333332 in
    /// 53 bits, and (40/3) − that is 1.8e-15, not 0: MathRuler rejects "\frac{40}{3}.0"; 1.5 − 3/2 is exactly 0.
    /// </summary>
    [Theory]
    [InlineData("\\frac{40}{3}.0", "\\frac{40}{3}", false)]
    [InlineData(
        "\\begin{pmatrix} \\frac{40}{3}.0 \\\\ 2 \\end{pmatrix}",
        "\\begin{pmatrix} \\frac{40}{3} \\\\ 2 \\end{pmatrix}",
        false
    )]
    [InlineData("40/3.0", "40/3", false)]
    [InlineData("\\frac{40}{3}", "\\frac{40}{3}", true)]
    [InlineData("1.5", "\\frac{3}{2}", true)] // 3/2 − 1.5 is exactly 0 in binary
    [InlineData("2.5", "5/2", true)]
    [InlineData("0.25", "\\frac{1}{4}", true)]
    [InlineData("0.1+0.2", "0.3", false)] // 0.30000000000000004 − 0.3 ≠ 0 in sympy
    [InlineData("13.333333333333334", "\\frac{40}{3}", false)] // 17 digits: a Float of higher precision
    [InlineData("\\frac{3}{2}.0", "1.5", true)] // 3/2.0 = 3·(1/2.0) = 1.5 exactly
    public void Decimals_compare_as_sympy_floats(string given, string groundTruth, bool expected) =>
        Assert.Equal(expected, AnswerGrader.Grade(given, groundTruth));

    [Fact]
    public void Null_given_is_wrong_but_the_string_None_is_graded() =>
        Assert.Equal((false, true), (AnswerGrader.Grade(null, "None"), AnswerGrader.Grade("None", "None")));

    [Theory]
    [InlineData("{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{")]
    [InlineData("\\frac")]
    [InlineData("\\sqrt")]
    [InlineData("\\text{ a}\\text{ b}")]
    [InlineData("((((((((((((((((((((((((((((((((((((((((((((((((((((((")]
    [InlineData("9**9**9**9")]
    [InlineData("1/0")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\\")]
    public void Hostile_input_never_throws(string given)
    {
        var deep =
            new string('{', 5000)
            + "\\frac"
            + new string('(', 5000)
            + string.Concat(Enumerable.Repeat("1+", 5000))
            + "1";
        var started = DateTime.UtcNow;
        Assert.False(AnswerGrader.Grade(given, "5"));
        Assert.False(AnswerGrader.Grade(deep + given, "5"));
        Assert.False(AnswerGrader.Grade("5", given + deep));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "grading hostile input took too long");
    }
}
