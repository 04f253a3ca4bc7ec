using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tests.Grading;

public sealed class BoxedAnswerTests
{
    [Theory]
    [InlineData("so \\boxed{5}.", "5")]
    [InlineData("\\boxed{1} then \\boxed{ \\frac{1}{2} }", "\\frac{1}{2}")] // the last box, stripped
    [InlineData("\\boxed{\\text{(A)}}", "\\text{(A)}")] // nested braces balanced
    [InlineData("no box here", "None")]
    [InlineData("\\boxed{5", "None")] // never closed
    [InlineData("\\boxed {5}", "None")] // a space is not a box
    [InlineData("\\fbox{5}", "None")]
    [InlineData("\\boxed{}", "")]
    public void Extracts_the_last_box_like_mathruler(string text, string expected) =>
        Assert.Equal(expected, BoxedAnswer.ExtractBoxedContent(text));
}
