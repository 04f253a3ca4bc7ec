using SaEI.Gpu.Tasks.Rewards;
using SaEI.Gpu.Training;

namespace SaEI.Gpu.Tests.Rewards;

/// <summary>EasyR1 math reward: overall = 0.9·accuracy + 0.1·format on hand-written responses.</summary>
public sealed class MathRewardTests
{
    [Theory]
    // response, ground truth, accuracy, format
    [InlineData("<think>2+3=5</think> The answer is \\boxed{5}.", "5", 1.0, 1.0)]
    // '.' spans newlines
    [InlineData("<think>\nline one\nline two\n</think>\n\\boxed{\\frac{1}{2}}\n", "0.5", 1.0, 1.0)]
    [InlineData("<think>2+3=6</think> \\boxed{6}", "5", 0.0, 1.0)]
    [InlineData("The answer is \\boxed{5}", "5", 1.0, 0.0)] // no think block
    [InlineData("<think>x</think> 5", "5", 0.0, 0.0)] // no box: "None" is wrong
    [InlineData("\\boxed{5}<think>x</think>", "5", 1.0, 0.0)] // box before think
    [InlineData("< think >x< / think > \\boxed{5}", "5", 1.0, 1.0)] // whitespace around < > / collapsed
    [InlineData("<think >x</ think>\\boxed{ 1 / 2 }", "\\frac{1}{2}", 1.0, 1.0)] // collapse applies to the answer too
    [InlineData("<think>a</think>\\boxed{3} then \\boxed{4}", "4", 1.0, 1.0)] // the last box counts
    [InlineData("<think>a</think>\\boxed{4", "4", 0.0, 0.0)] // unclosed box
    public void Scores_match_hand_computed_values(string response, string groundTruth, double accuracy, double format)
    {
        var score = MathReward.Score(response, groundTruth);
        Assert.Equal(accuracy, score.Accuracy);
        Assert.Equal(format, score.Format);
        Assert.Equal(0.9 * accuracy + 0.1 * format, score.Overall, 12);
    }

    [Fact]
    public void Accuracy_weight_comes_from_the_options()
    {
        // accuracy 0, format 1 → overall = (1 − w)·1
        double weight = new RlOptions { AccuracyWeight = 0.7 }.AccuracyWeight;
        var score = MathReward.Score("<think>t</think>\\boxed{6}", "5", weight);
        Assert.Equal(0.3, score.Overall, 12);
        Assert.Equal(0.1, MathReward.Score("<think>t</think>\\boxed{6}", "5").Overall, 12); // default 0.9/0.1
    }

    [Fact]
    public void Batch_scores_each_response_against_its_own_ground_truth()
    {
        var scores = MathReward.ScoreBatch(
            ["<think>a</think>\\boxed{1}", "\\boxed{2}", "<think>a</think>\\boxed{3}"],
            ["1", "2", "4"]
        );
        Assert.Equal([1.0, 0.9, 0.1], scores.Select(s => Math.Round(s.Overall, 12)));
        Assert.Throws<ArgumentException>(() => MathReward.ScoreBatch(["a"], ["1", "2"]));
    }

    [Fact]
    public void Collapse_removes_whitespace_around_angle_brackets_and_slashes() =>
        Assert.Equal("<think>a</think>1/2", MathReward.CollapseTagWhitespace("< think > a < / think > 1 / 2"));
}
