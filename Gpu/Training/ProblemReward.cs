using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Grading;
using SaEI.Gpu.Tasks.Rewards;

namespace SaEI.Gpu.Training;

/// <summary>
/// The reward of one response to one <see cref="VisualProblem"/> (docs/algorithm.md §6): EasyR1's math reward
/// against the problem's answer. Multiple choice (the answer is an option letter, <see cref="VisualProblem"/>):
/// the format score is the same, and accuracy maps the last boxed answer to an option letter with
/// <see cref="ChoiceAnswer"/> (a letter, "(B)", or the option's text) and compares letters — never an LLM judge.
/// </summary>
public static class ProblemReward
{
    public static RewardScore Score(string response, VisualProblem problem, double accuracyWeight)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(problem);
        if (!problem.IsMultipleChoice)
            return MathReward.Score(response, problem.Answer, accuracyWeight);
        string collapsed = MathReward.CollapseTagWhitespace(response);
        double format = MathReward.FormatScore(collapsed);
        double accuracy = ChoiceAnswer.Grade(
            BoxedAnswer.ExtractBoxedContent(collapsed),
            problem.Answer,
            problem.Choices!
        )
            ? 1.0
            : 0.0;
        return new RewardScore(accuracyWeight * accuracy + (1 - accuracyWeight) * format, accuracy, format);
    }
}
