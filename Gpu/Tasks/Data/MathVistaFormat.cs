using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// MathVista (testmini): <c>pid</c>, <c>question</c>, <c>choices</c> (list or null), <c>answer</c> (the option
/// TEXT for multiple choice), <c>question_type</c> ("multi_choice" / "free_form"), <c>answer_type</c>, and the
/// image as <c>decoded_image</c> ({bytes, path}, the HF parquet) or <c>image</c> (a path, the original JSON).
/// Decision: the problem is <c>question</c> plus "(A) ..." option lines, not the dataset's <c>query</c> (whose
/// answer-format hints conflict with the \boxed{} template). Multiple-choice answers become letters.
/// </summary>
public static class MathVistaFormat
{
    public const string Name = "mathvista";

    public static VisualProblem FromRow(DataRow row, ImageLimits limits)
    {
        string question = row.RequireString("question");
        string answer = row.RequireString("answer").Trim();
        IReadOnlyList<string>? choices = row.OptionalStringList("choices");
        bool multipleChoice = row.OptionalString("question_type") is "multi_choice" || choices is { Count: > 0 };
        if (multipleChoice && choices is not { Count: > 0 })
            throw new DataFormatException(row.At("choices"), "multi_choice question without choices.");
        return new VisualProblem(
            Id: row.RequireString("pid", "__key"),
            Problem: multipleChoice ? ChoiceMapping.AppendChoices(question, choices!) : question.Trim(),
            Answer: multipleChoice ? ChoiceMapping.ToLetter(answer, choices!, row.At("answer")) : answer,
            Choices: multipleChoice ? choices : null,
            Image: row.RequireImage(limits, "decoded_image", "image"),
            Source: Name,
            Family: row.OptionalString("question_type") ?? (multipleChoice ? "multi_choice" : "free_form")
        );
    }
}
