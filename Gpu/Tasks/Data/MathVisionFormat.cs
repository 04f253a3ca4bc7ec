using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// MathVision (MathLLMs/MathVision, test or testmini): <c>id</c>, <c>question</c> (with "&lt;image1&gt;"
/// placeholders, removed), <c>options</c> (list; empty for free-form), <c>answer</c> (a letter when there are
/// options), the image as <c>decoded_image</c> ({bytes, path}) or <c>image</c> (a path), <c>subject</c> (family).
/// </summary>
public static class MathVisionFormat
{
    public const string Name = "mathvision";

    public static VisualProblem FromRow(DataRow row, ImageLimits limits)
    {
        string question = ProblemText.StripImageTags(row.RequireString("question"));
        string answer = row.RequireString("answer").Trim();
        IReadOnlyList<string>? options = row.OptionalStringList("options");
        bool multipleChoice = options is { Count: > 0 };
        return new VisualProblem(
            Id: row.RequireString("id", "__key"),
            Problem: multipleChoice ? ChoiceMapping.AppendChoices(question, options!) : question,
            Answer: multipleChoice ? ChoiceMapping.ToLetter(answer, options!, row.At("answer")) : answer,
            Choices: multipleChoice ? options : null,
            Image: row.RequireImage(limits, "decoded_image", "image"),
            Source: Name,
            Family: row.OptionalString("subject") ?? "unknown"
        );
    }
}
