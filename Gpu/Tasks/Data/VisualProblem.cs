using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// One problem, whatever its source: an image, a question and the ground-truth answer.
/// Multiple-choice convention (all loaders): <see cref="Choices"/> holds the option texts in order, the option
/// letters are A, B, C... by position, <see cref="Answer"/> is the LETTER of the correct option (a dataset that
/// stores the option text is mapped by <see cref="ChoiceMapping.ToLetter"/>), and <see cref="Problem"/> already
/// lists the options as "(A) text" lines so the model sees them. Free-form problems have <see cref="Choices"/> null.
/// </summary>
/// <param name="Id">Unique within its source (dataset id, or a synthetic content hash).</param>
/// <param name="Problem">The question text shown to the model, without image placeholders such as
/// "&lt;image&gt;".</param>
/// <param name="Answer">Ground truth as a string (number, expression, letter, yes/no).</param>
/// <param name="Choices">Option texts for multiple choice, else null.</param>
/// <param name="Image">The image, decoded to RGB at its original size (resizing is the model's preprocessing).</param>
/// <param name="Source">The data source (format name, e.g. "geometry3k", "mathvista", "synthetic").</param>
/// <param name="Family">A sub-type for per-family metrics: synthetic family, subject, question type or
/// category.</param>
public sealed record VisualProblem(
    string Id,
    string Problem,
    string Answer,
    IReadOnlyList<string>? Choices,
    RgbImage Image,
    string Source,
    string Family
)
{
    /// <summary>True for multiple-choice problems.</summary>
    public bool IsMultipleChoice => Choices is { Count: > 0 };
}
