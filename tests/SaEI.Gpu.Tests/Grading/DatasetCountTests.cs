using System.Text.Json;
using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Gpu.Tests.Grading;

/// <summary>
/// docs/grader.md §10: grade(extract_boxed_content(solution), answer) over the shared test splits gives
/// MathRuler's counts: MATH 500/500, GSM8K 1319/1319, AIME 2024 28/30 (one solution frames its answer with
/// \framebox instead of a box, one boxes \textbf{(073)} against 073).
/// </summary>
public sealed class DatasetCountTests
{
    [Theory]
    [InlineData("math500_test.jsonl", 500, 500)]
    [InlineData("gsm8k_test.jsonl", 1319, 1319)]
    [InlineData("aime2024.jsonl", 28, 30)]
    public void Grader_reproduces_mathruler_counts(string file, int expectedCorrect, int expectedRows)
    {
        string path = SharedData.Grading(file);
        Assert.True(File.Exists(path), $"{path} is missing: the shared data folder must sit beside the checkout.");
        int rows = 0,
            correct = 0;
        var wrong = new List<string>();
        foreach (string line in File.ReadLines(path).Where(l => l.Trim().Length > 0))
        {
            using var row = JsonDocument.Parse(line);
            string solution = row.RootElement.GetProperty("solution").GetString()!;
            string answer = row.RootElement.GetProperty("answer").GetString()!;
            rows++;
            string boxed = BoxedAnswer.ExtractBoxedContent(solution);
            if (AnswerGrader.Grade(boxed, answer))
                correct++;
            else
                wrong.Add($"{boxed} vs {answer}");
        }
        Assert.True(
            expectedCorrect == correct && expectedRows == rows,
            $"{file}: {correct}/{rows}, expected {expectedCorrect}/{expectedRows}; wrong: "
                + $"{string.Join(" | ", wrong.Take(10))}"
        );
    }

    [Fact]
    public void Aime_misses_are_exactly_the_unboxed_and_the_leading_zero_cases()
    {
        var misses = File.ReadLines(SharedData.Grading("aime2024.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r =>
                (
                    Boxed: BoxedAnswer.ExtractBoxedContent(r.GetProperty("solution").GetString()!),
                    Answer: r.GetProperty("answer").GetString()!
                )
            )
            .Where(p => !AnswerGrader.Grade(p.Boxed, p.Answer))
            .ToArray();
        Assert.Equal([("None", "204"), ("\\textbf{(073)}", "073")], misses);
    }
}
