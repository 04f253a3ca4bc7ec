using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tests.Grading;

/// <summary>The pylatexenc 2.10 outputs listed in docs/grader.md §4 (step 7), before PRM800K's replacements.</summary>
public sealed class LatexToTextTests
{
    [Theory]
    [InlineData("\\frac{a}{b}", "a/b")]
    [InlineData("\\frac{1}{x+1}", "1/x+1")] // no parentheses
    [InlineData("\\frac{\\sqrt{3}}{2}", "√(3)/2")]
    [InlineData("2\\sqrt{3}", "2√(3)")]
    [InlineData("\\sqrt[3]{8}", "√(8)")] // the index is lost
    [InlineData("\\frac12", "1/2")] // bare one-character arguments
    [InlineData("3\\cdot 4", "3·4")]
    [InlineData("3\\times 4", "3×4")]
    [InlineData("\\infty", "∞")]
    [InlineData("\\pi r^2", "πr^2")] // the space after a control word is eaten
    [InlineData("x \\le 3", "x ≤3")]
    [InlineData("\\alpha", "α")]
    [InlineData("\\angle", "∠")]
    [InlineData("\\text{cm}", "cm")]
    [InlineData("x^{2}", "x^2")]
    [InlineData("30^{\\circ}", "30^∘")]
    [InlineData("\\boxed{5}", "5")]
    [InlineData("\\{1,2\\}", "{1,2}")]
    [InlineData("\\left( 3, \\frac{\\pi}{2} \\right)", "( 3, π/2 )")]
    [InlineData("\\textbf{(073)}", "(073)")]
    [InlineData("\\unknownmacro{7}", "7")] // unknown macros vanish, their groups stay
    [InlineData("a}b{c", "abc")] // tolerant: stray braces
    public void Matches_pylatexenc(string latex, string expected) => Assert.Equal(expected, LatexToText.Convert(latex));

    [Fact]
    public void Nesting_beyond_the_limit_is_a_format_exception_not_a_stack_overflow() =>
        Assert.Throws<FormatException>(() => LatexToText.Convert(new string('{', 100_000)));
}
