using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Grading;
using SaEI.Gpu.Tasks.Rewards;

namespace SaEI.Gpu.Evaluation;

/// <summary>
/// Accuracy and format of one response to one problem. Free-form problems: EasyR1's math reward
/// (<see cref="MathReward"/>). Multiple choice: the same format rule, and the last boxed answer mapped to an option
/// letter by <see cref="ChoiceAnswer"/> (so "\boxed{B}" and "\boxed{option text}" both count).
/// </summary>
public readonly record struct ResponseGrade(double Accuracy, double Format)
{
    public static ResponseGrade Of(VisualProblem problem, string response)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(response);
        double format = MathReward.FormatScore(response);
        if (!problem.IsMultipleChoice)
            return new ResponseGrade(MathReward.AccuracyScore(response, problem.Answer), format);
        string? given = BoxedAnswer.ExtractBoxedContent(MathReward.CollapseTagWhitespace(response));
        return new ResponseGrade(ChoiceAnswer.Grade(given, problem.Answer, problem.Choices!) ? 1.0 : 0.0, format);
    }
}
