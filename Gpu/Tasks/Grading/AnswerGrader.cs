namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// MathRuler's <c>grade_answer(given, ground_truth)</c> (from OpenAI PRM800K), docs/grader.md §2 in order:
/// 1. null given → false ("None", what <see cref="BoxedAnswer"/> returns for no box, is graded like any string).
/// 2. mathd stage: <see cref="MathNormalizer.NormalizeAnswer"/> of both equal → true.
/// 3. g = _normalize(gt), a = _normalize(given): g == a → true; a == "" → false.
/// 4. Tuples: same bracket characters when g has several elements, same element count, then per element pair:
///    both fractions → exact string equality (2/4 ≠ 1/2); integer-ness must agree ("10^2" ≠ "100");
///    otherwise <see cref="SympyEquivalence.AreEqual"/>.
/// Never throws on any string input; regexes are NonBacktracking with timeouts, recursion is bounded.
/// </summary>
public static class AnswerGrader
{
    /// <summary>True when <paramref name="given"/> is a correct answer for <paramref name="groundTruth"/>.</summary>
    public static bool Grade(string? given, string groundTruth)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        if (given is null)
            return false;
        if (MathNormalizer.NormalizeAnswer(groundTruth) == MathNormalizer.NormalizeAnswer(given))
            return true;

        string? g = Prm800kNormalizer.Normalize(groundTruth);
        string? a = Prm800kNormalizer.Normalize(given);
        if (g is null || a is null)
            return false;
        if (g == a)
            return true;
        if (a.Length == 0)
            return false;

        var groundTruthElements = Prm800kNormalizer.SplitTuple(g);
        var givenElements = Prm800kNormalizer.SplitTuple(a);
        if (groundTruthElements.Count > 1 && (g[0] != a[0] || g[^1] != a[^1]))
            return false;
        if (groundTruthElements.Count != givenElements.Count)
            return false;
        for (int i = 0; i < groundTruthElements.Count; i++)
            if (!ElementsEqual(groundTruthElements[i], givenElements[i]))
                return false;
        // Python leaves is_correct unset for zero elements (g == "" and a == "" was caught by g == a above).
        return groundTruthElements.Count > 0;
    }

    /// <summary>One element pair of step 4.</summary>
    private static bool ElementsEqual(string groundTruth, string given)
    {
        if (Prm800kNormalizer.IsFrac(groundTruth) && Prm800kNormalizer.IsFrac(given))
            return groundTruth == given;
        if (Prm800kNormalizer.StrIsInt(groundTruth) != Prm800kNormalizer.StrIsInt(given))
            return false;
        return SympyEquivalence.AreEqual(groundTruth, given);
    }

    /// <summary>Grade the last boxed answer of a full response (MathRuler: grade(extract_boxed_content(r),
    /// gt)).</summary>
    public static bool GradeResponse(string response, string groundTruth) =>
        Grade(BoxedAnswer.ExtractBoxedContent(response), groundTruth);
}
