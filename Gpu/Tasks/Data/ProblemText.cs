using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>Question-text clean-up shared by loaders.</summary>
public static partial class ProblemText
{
    /// <summary>Removes image placeholders ("&lt;image&gt;", "&lt;image1&gt;") the datasets embed; the model inserts
    /// its own image tokens.</summary>
    public static string StripImageTags(string text) => ImageTag().Replace(text, "").Trim();

    [GeneratedRegex(@"<image\d*>")]
    private static partial Regex ImageTag();
}
