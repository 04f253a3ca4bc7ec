namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// MathRuler <c>extract_boxed_content</c>: the content of the LAST <c>\boxed{...}</c>, braces balanced.
/// 1. Only the literal <c>\boxed{</c> counts: <c>\boxed {x}</c>, <c>\fbox{x}</c> and <c>\boxed x</c> are not boxes.
/// 2. No box, or a box whose brace never closes, gives the STRING "None" (not null), exactly like MathRuler;
///    <see cref="AnswerGrader.Grade"/> then grades "None" like any other answer.
/// </summary>
public static class BoxedAnswer
{
    /// <summary>What MathRuler returns when there is no closed box.</summary>
    public const string NoBox = "None";

    private const string Opening = "\\boxed{";

    /// <summary>The stripped content of the last <c>\boxed{…}</c>, or "None".</summary>
    public static string ExtractBoxedContent(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int start = text.LastIndexOf(Opening, StringComparison.Ordinal);
        if (start < 0)
            return NoBox;
        int contentStart = start + Opening.Length;
        int depth = 0;
        for (int i = contentStart; i < text.Length; i++)
        {
            if (text[i] == '{')
                depth++;
            else if (text[i] == '}' && --depth == -1)
                return text[contentStart..i].Trim();
        }
        return NoBox;
    }
}
