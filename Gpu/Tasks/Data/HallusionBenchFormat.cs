using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// HallusionBench (HallusionBench.json or the lmms-lab parquet): <c>question</c>, <c>gt_answer</c> ("1" → "yes",
/// "0" → "no"; free yes/no answers, no choices), <c>category</c> (VD/VS, the family), <c>subcategory</c>,
/// <c>set_id</c>, <c>figure_id</c>, <c>question_id</c> (the id joins them), and the image as <c>image</c>
/// ({bytes, path}) or <c>filename</c> (a path). Decision: questions with <c>visual_input</c> "0" (no image) get a
/// white 28×28 placeholder image.
/// </summary>
public static class HallusionBenchFormat
{
    public const string Name = "hallusionbench";

    public static VisualProblem FromRow(DataRow row, ImageLimits limits)
    {
        string answer = row.RequireString("gt_answer").Trim() switch
        {
            "1" => "yes",
            "0" => "no",
            string other => throw new DataFormatException(row.At("gt_answer"), $"expected 0 or 1, got '{other}'."),
        };
        bool noImage = row.OptionalString("visual_input") is "0" || (!row.Has("image") && !row.Has("filename"));
        string id = string.Join(
            "_",
            new[] { "category", "subcategory", "set_id", "figure_id", "question_id" }
                .Select(field => row.OptionalString(field) ?? "")
                .Where(part => part.Length > 0)
        );
        return new VisualProblem(
            Id: id.Length > 0 ? id : $"{Name}-{row.Row}",
            Problem: row.RequireString("question").Trim(),
            Answer: answer,
            Choices: null,
            Image: noImage ? Placeholder.White : row.RequireImage(limits, "image", "filename"),
            Source: Name,
            Family: row.OptionalString("category") ?? "unknown"
        );
    }
}
