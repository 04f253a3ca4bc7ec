using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// MM-Eureka's MMK12 parquet (FanqingM/MMK12): <c>id</c>, <c>question</c>, <c>answer</c>, <c>subject</c>,
/// <c>image</c> ({bytes, path}, bytes or path). EasyR1-style copies with <c>problem</c>/<c>images</c> are accepted
/// too. Answers are kept as given (multiple-choice options, when present, are inside the question text).
/// </summary>
public static class Mmk12Format
{
    public const string Name = "mmk12";

    public static VisualProblem FromRow(DataRow row, ImageLimits limits) =>
        new(
            Id: row.OptionalString("id") ?? $"{Name}-{row.Row}",
            Problem: ProblemText.StripImageTags(row.RequireString("question", "problem")),
            Answer: row.RequireString("answer").Trim(),
            Choices: null,
            Image: row.RequireImage(limits, "image", "images"),
            Source: Name,
            Family: row.OptionalString("subject") ?? "unknown"
        );
}
