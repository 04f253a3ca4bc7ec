using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tests.Grading;

/// <summary>The two normalisers and the helpers, step by step (docs/grader.md §3–§5), with the values Python
/// gives.</summary>
public sealed class NormalizerTests
{
    [Theory]
    [InlineData("\\text{ east }", "east")]
    [InlineData("\\dfrac{1}{2}", "\\frac{1}{2}")]
    [InlineData("\\left(1,2\\right)", "(1,2)")]
    [InlineData("30^\\circ", "30")]
    [InlineData("\\$5", "5")]
    [InlineData("12\\text{ cm}", "12")]
    [InlineData("1\\text{ a}\\text{ b}", "1\\text{ a}\\text{ b}")] // assertion → the answer unchanged
    [InlineData("50\\%", "50")]
    [InlineData(".5", "\\frac{1}{2}")] // "0.5" → \frac{1}{2}
    [InlineData("x=5", "5")]
    [InlineData("m\\angle1=60", "m\\angle1=60")] // left side longer than 2
    [InlineData("\\sqrt3", "\\sqrt{3}")]
    [InlineData("\\frac12", "\\frac{1}{2}")]
    [InlineData("\\frac1{72}", "\\frac{1}{72}")]
    [InlineData("\\frac1", "\\frac1")] // fewer than 2 characters after \frac: the string before _fix_fracs
    [InlineData("2\\sqrt", "2\\sqrt")] // index error → unchanged
    [InlineData("3/4", "\\frac{3}{4}")]
    [InlineData("03/4", "03/4")] // int("03") round-trips to "3": not a canonical a/b
    [InlineData("a b", "ab")]
    public void Normalize_answer_follows_strip_string(string answer, string expected) =>
        Assert.Equal(expected, MathNormalizer.NormalizeAnswer(answer));

    [Theory]
    [InlineData("\\text{5}", "5")]
    [InlineData("\\$1,000", "1000")]
    [InlineData("5 or 6", "5,6")]
    [InlineData("3 million", "3*10^6")]
    [InlineData("12 meters", "12")]
    [InlineData("perimeter", "peri")] // "meter" is deleted anywhere, as in Python
    [InlineData("30^\\circ", "30")]
    [InlineData("{5}", "5")]
    [InlineData("10,\\! 000", "10000")]
    [InlineData("3.0", "3")]
    [InlineData("1e3", "1000")]
    [InlineData("inf", "inf")]
    [InlineData("2\\frac{1}{2}", "2+1/2")] // mixed number
    [InlineData("-\\frac{1}{2}", "-1/2")]
    [InlineData("\\frac{\\sqrt{3}}{2}", "sqrt(3)/2")]
    [InlineData("\\pi r^2", "pir^2")]
    [InlineData("X + Y", "x+y")]
    [InlineData("1,000,000", "1000000")]
    [InlineData("073", "73")]
    public void Prm800k_normalize_follows_the_listed_steps(string expr, string expected) =>
        Assert.Equal(expected, Prm800kNormalizer.Normalize(expr));

    [Theory]
    [InlineData("(1,2)", new[] { "1", "2" })]
    [InlineData("[1, 2)", new[] { "1", "2" })]
    [InlineData("(1,(2))", new[] { "(1,(2))" })] // bracket inside: not a tuple
    [InlineData("1,2", new[] { "1,2" })]
    [InlineData("(1,000)", new[] { "1000" })] // thousands commas are stripped first
    [InlineData("", new string[0])]
    public void Split_tuple(string expr, string[] expected) =>
        Assert.Equal(expected, Prm800kNormalizer.SplitTuple(expr));

    [Theory]
    [InlineData("1/2", true)]
    [InlineData("-10/04", true)]
    [InlineData("1/0", false)]
    [InlineData("x/2", false)]
    [InlineData("1.5/2", false)]
    public void Is_frac(string expr, bool expected) => Assert.Equal(expected, Prm800kNormalizer.IsFrac(expr));

    [Theory]
    [InlineData("5", true)]
    [InlineData("5.00000001", true)] // within 1e-7
    [InlineData("5.5", false)]
    [InlineData("1,000", true)]
    [InlineData("1,00", false)]
    [InlineData("inf", false)]
    [InlineData("nan", false)]
    [InlineData("1_000", true)] // Python float() accepts underscores
    public void Str_is_int(string expr, bool expected) => Assert.Equal(expected, Prm800kNormalizer.StrIsInt(expr));
}
