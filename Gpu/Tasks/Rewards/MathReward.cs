using System.Text.RegularExpressions;
using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tasks.Rewards;

/// <summary>One response's reward: overall = w·accuracy + (1 − w)·format (EasyR1 <c>math_compute_score</c>).</summary>
public sealed record RewardScore(double Overall, double Accuracy, double Format);

/// <summary>
/// EasyR1's math reward (docs/algorithm.md §6), for one response o and its ground truth y:
///   o' = re.sub(r"\s*(&lt;|&gt;|/)\s*", r"\1", o)                    (qwen2.5-vl writes "&lt; think &gt;")
///   format   = 1 iff o' fully matches <c>&lt;think&gt;.*&lt;/think&gt;.*\boxed\{.*\}.*</c>, '.' matching newlines
///   accuracy = 1 iff <see cref="AnswerGrader.Grade"/>(<see cref="BoxedAnswer.ExtractBoxedContent"/>(o'), y)
///   overall  = w·accuracy + (1 − w)·format, w = <see cref="Training.RlOptions.AccuracyWeight"/> (EasyR1: 0.9)
/// Decision: the whitespace collapse is applied before BOTH scores, as in EasyR1, so a boxed "1 / 2" is graded
/// as "1/2".
/// </summary>
public static class MathReward
{
    private const RegexOptions Safe = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly Regex SpacesAroundTags = new(@"\s*(<|>|/)\s*", Safe, Timeout);
    private static readonly Regex Format = new(
        @"\A<think>.*</think>.*\\boxed\{.*\}.*\z",
        Safe | RegexOptions.Singleline,
        Timeout
    );

    /// <summary>EasyR1's default accuracy weight (format weight 0.1).</summary>
    public const double DefaultAccuracyWeight = 0.9;

    /// <summary>The response with the whitespace around '&lt;', '&gt;' and '/' removed.</summary>
    public static string CollapseTagWhitespace(string response) => SpacesAroundTags.Replace(response, "$1");

    /// <summary>1 when the (collapsed) response has the think-then-boxed shape, else 0.</summary>
    public static double FormatScore(string response) => Format.IsMatch(CollapseTagWhitespace(response)) ? 1.0 : 0.0;

    /// <summary>1 when the last boxed answer of the (collapsed) response grades correct, else 0.</summary>
    public static double AccuracyScore(string response, string groundTruth) =>
        AnswerGrader.Grade(BoxedAnswer.ExtractBoxedContent(CollapseTagWhitespace(response)), groundTruth) ? 1.0 : 0.0;

    /// <summary>The reward of one response.</summary>
    public static RewardScore Score(string response, string groundTruth, double accuracyWeight = DefaultAccuracyWeight)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(groundTruth);
        if (accuracyWeight is < 0 or > 1 || double.IsNaN(accuracyWeight))
            throw new ArgumentOutOfRangeException(
                nameof(accuracyWeight),
                accuracyWeight,
                "accuracy_weight must be in [0, 1] (EasyR1: 0.9)."
            );
        string collapsed = CollapseTagWhitespace(response);
        double format = Format.IsMatch(collapsed) ? 1.0 : 0.0;
        double accuracy = AnswerGrader.Grade(BoxedAnswer.ExtractBoxedContent(collapsed), groundTruth) ? 1.0 : 0.0;
        return new RewardScore(accuracyWeight * accuracy + (1 - accuracyWeight) * format, accuracy, format);
    }

    /// <summary>Rewards of N responses; <paramref name="groundTruths"/>[i] belongs to <paramref
    /// name="responses"/>[i].</summary>
    public static IReadOnlyList<RewardScore> ScoreBatch(
        IReadOnlyList<string> responses,
        IReadOnlyList<string> groundTruths,
        double accuracyWeight = DefaultAccuracyWeight
    )
    {
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(groundTruths);
        if (responses.Count != groundTruths.Count)
            throw new ArgumentException(
                $"{responses.Count} responses but {groundTruths.Count} ground truths; pass one ground truth per "
                    + $"response.",
                nameof(groundTruths)
            );
        var scores = new RewardScore[responses.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = Score(responses[i], groundTruths[i], accuracyWeight);
        return scores;
    }
}
