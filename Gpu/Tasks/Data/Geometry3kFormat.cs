using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// Geometry3K as EasyR1 ships it (hiyouga/geometry3k parquet): <c>images</c> (list of {bytes, path}; the first is
/// used), <c>problem</c> (with an "&lt;image&gt;" placeholder, removed), <c>answer</c> (free form). No id column:
/// the id is "geometry3k-{row}" over the files read in order.
/// </summary>
public static class Geometry3kFormat
{
    public const string Name = "geometry3k";

    public static VisualProblem FromRow(DataRow row, ImageLimits limits) =>
        new(
            Id: row.OptionalString("id") ?? $"{Name}-{row.Row}",
            Problem: ProblemText.StripImageTags(row.RequireString("problem")),
            Answer: row.RequireString("answer").Trim(),
            Choices: null,
            Image: row.RequireImage(limits, "images"),
            Source: Name,
            Family: "geometry"
        );
}
