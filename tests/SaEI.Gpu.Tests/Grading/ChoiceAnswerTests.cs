using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tests.Grading;

public sealed class ChoiceAnswerTests
{
    private static readonly string[] Choices = ["3", "2\\sqrt{3}", "Yes", "None of the above"];

    [Theory]
    [InlineData("B", 'B')]
    [InlineData("(B)", 'B')]
    [InlineData("B.", 'B')]
    [InlineData("b)", 'B')]
    [InlineData("\\text{(C)}", 'C')]
    [InlineData("Answer: D", 'D')]
    [InlineData("yes", 'C')] // option text, case-insensitive
    [InlineData(" None of  the above. ", 'D')] // option text, whitespace-insensitive
    [InlineData("2\\sqrt3", 'B')] // option text through the math grader
    [InlineData("3.0", 'A')]
    public void Letters_and_option_texts_map_to_the_letter(string answer, char expected) =>
        Assert.Equal(expected, ChoiceAnswer.ToLetter(answer, Choices));

    [Theory]
    [InlineData("E")] // beyond the 4 options
    [InlineData("No")]
    [InlineData("AB")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_maps_to_nothing(string? answer) => Assert.Null(ChoiceAnswer.ToLetter(answer, Choices));

    [Fact]
    public void Several_matching_options_are_ambiguous() =>
        Assert.Null(ChoiceAnswer.ToLetter("1/2", ["0.5", "\\frac{1}{2}"]));

    [Theory]
    [InlineData("(C)", "C", true)]
    [InlineData("Yes", "C", true)]
    [InlineData("C", "Yes", true)] // ground truth given as option text
    [InlineData("A", "C", false)]
    [InlineData("maybe", "C", false)]
    public void Grade_compares_letters(string given, string groundTruth, bool expected) =>
        Assert.Equal(expected, ChoiceAnswer.Grade(given, groundTruth, Choices));
}
