using System.Text.RegularExpressions;
using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// MathVerse (testmini): <c>sample_index</c>, <c>question</c>, <c>image</c> ({bytes, path} or a path),
/// <c>answer</c> (a letter for multiple choice), <c>question_type</c> ("multi-choice" / "free-form"),
/// <c>problem_version</c> (the family). Options live inside the question ("Choices:\nA:145°\nB:165°"): they are
/// parsed into <see cref="VisualProblem.Choices"/> and the question is kept as written.
/// Decision: a row whose image is null (some "Text Only" copies) gets a white 28×28 placeholder image.
/// </summary>
public static partial class MathVerseFormat
{
    public const string Name = "mathverse";

    public static VisualProblem FromRow(DataRow row, ImageLimits limits)
    {
        string question = row.RequireString("question");
        string answer = row.RequireString("answer").Trim();
        bool multipleChoice = row.OptionalString("question_type") is "multi-choice";
        IReadOnlyList<string>? choices = multipleChoice ? ParseChoices(question) : null;
        if (choices is { Count: 0 })
            choices = null;
        return new VisualProblem(
            Id: row.RequireString("sample_index", "__key"),
            Problem: ProblemText.StripImageTags(question),
            Answer: choices is null ? answer : ChoiceMapping.ToLetter(answer, choices, row.At("answer")),
            Choices: choices,
            Image: row.Has("image") ? row.RequireImage(limits, "image") : Placeholder.White,
            Source: Name,
            Family: row.OptionalString("problem_version") ?? row.OptionalString("question_type") ?? "unknown"
        );
    }

    /// <summary>Option texts from "A:x" / "(A) x" / "A. x" lines after "Choices:", in order.</summary>
    public static IReadOnlyList<string> ParseChoices(string question)
    {
        int start = question.IndexOf("Choices", StringComparison.OrdinalIgnoreCase);
        if (start < 0)
            return [];
        var choices = new List<string>();
        foreach (Match match in OptionLine().Matches(question[start..]))
        {
            if (match.Groups[1].Value[0] - 'A' != choices.Count)
                break;
            choices.Add(match.Groups[2].Value.Trim());
        }
        return choices;
    }

    [GeneratedRegex(@"^\s*\(?([A-H])\s*[\):.]\s*(.*)$", RegexOptions.Multiline)]
    private static partial Regex OptionLine();
}
