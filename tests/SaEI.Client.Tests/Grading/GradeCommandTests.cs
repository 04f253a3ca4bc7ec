using System.Text.Json;

namespace SaEI.Client.Tests.Grading;

/// <summary>`saei grade`: verdicts, totals, malformed lines and exit codes, in text and --json.</summary>
public sealed class GradeCommandTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "saei-grade-" + Guid.NewGuid().ToString("N"));

    public GradeCommandTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string WriteJsonl(params string[] lines)
    {
        string path = Path.Combine(directory, "rows.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var result = Foundation.Cli.Run(["grade", .. args]);
        return (result.Code, result.Output, result.Error);
    }

    private const string Right = """{"given": "\\frac{1}{2}", "ground_truth": "0.5"}""";
    private const string Wrong = """{"given": "\\frac{2}{4}", "ground_truth": "\\frac{1}{2}"}""";
    private const string Solution = """{"solution": "so it is $\\boxed{12}$.", "answer": "12"}""";

    [Fact]
    public void A_clean_file_prints_verdicts_and_pass_at_1_and_exits_0()
    {
        var (exit, output, error) = Run(WriteJsonl(Right, Wrong, "", Solution));
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("line 1: correct", output, StringComparison.Ordinal);
        Assert.Contains("line 2: wrong", output, StringComparison.Ordinal);
        Assert.Contains("line 4: correct", output, StringComparison.Ordinal); // the blank line 3 is skipped
        Assert.Contains("Pass@1: 2/3 = 66.67%", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_lines_name_file_line_and_field_and_exit_1()
    {
        string path = WriteJsonl(
            Right,
            "{not json",
            """{"given": "5"}""",
            """{"given": ["5"], "ground_truth": "5"}""",
            "[1,2]",
            """{"ground_truth": "5"}""",
            """{"predicts": "5", "ground_truth": "5"}""",
            Wrong
        );
        var (exit, output, error) = Run(path);
        Assert.Equal(1, exit);
        Assert.Contains($"{path} line 2: field '(line)': is not valid JSON", error, StringComparison.Ordinal);
        Assert.Contains($"{path} line 3: field 'ground_truth': is missing", error, StringComparison.Ordinal);
        Assert.Contains($"{path} line 4: field 'given': is a JSON Array", error, StringComparison.Ordinal);
        Assert.Contains(
            $"{path} line 5: field '(line)': is a JSON Array, not an object",
            error,
            StringComparison.Ordinal
        );
        Assert.Contains($"{path} line 6: field 'given': is missing", error, StringComparison.Ordinal);
        Assert.Contains($"{path} line 7: field 'predicts': must be a non-empty list", error, StringComparison.Ordinal);
        Assert.Contains("Pass@1: 1/2 = 50.00%", output, StringComparison.Ordinal); // only lines 1 and 8 graded
    }

    [Fact]
    public void Predicts_give_pass_at_n_and_avg_at_n()
    {
        string path = WriteJsonl(
            """{"predicts": ["\\boxed{3}", "\\boxed{4}", "no box", "\\boxed{3.0}"], "answer": "3"}""", // 2 of 4
            """{"predicts": ["\\boxed{1}", "\\boxed{2}", "\\boxed{5}", "\\boxed{6}"], "answer": "7"}"""
        ); // 0 of 4
        var (exit, output, _) = Run(path);
        Assert.Equal(0, exit);
        Assert.Contains("line 1: 2/4 correct", output, StringComparison.Ordinal);
        Assert.Contains("Pass@4: 1/2 = 50.00%", output, StringComparison.Ordinal);
        Assert.Contains("Avg@4: 0.5/2 = 25.00%", output, StringComparison.Ordinal); // (2/4 + 0/4) / 2
    }

    [Fact]
    public void Json_output_is_machine_readable_and_keeps_the_exit_code()
    {
        var (exit, output, error) = Run(WriteJsonl(Right, Wrong, "{bad"), "--json");
        Assert.Equal(1, exit);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(output);
        var root = report.RootElement;
        Assert.Equal(2, root.GetProperty("totals").GetProperty("rows").GetInt32());
        Assert.Equal(1, root.GetProperty("totals").GetProperty("pass_count").GetInt32());
        Assert.Equal(0.5, root.GetProperty("totals").GetProperty("pass_at_n").GetDouble());
        Assert.Equal(
            [true, false],
            root.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("correct")[0].GetBoolean())
        );
        Assert.Equal(3, root.GetProperty("errors")[0].GetProperty("line").GetInt32());
    }

    [Fact]
    public void Bad_command_lines_exit_2_and_a_missing_file_exits_1()
    {
        Assert.Equal(2, Run().Exit);
        Assert.Equal(2, Run("a.jsonl", "b.jsonl").Exit);
        var (exit, _, error) = Run(Path.Combine(directory, "absent.jsonl"));
        Assert.Equal(1, exit);
        Assert.Contains("absent.jsonl' does not exist; check the path", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_verb_is_dispatched_by_the_command_line()
    {
        string path = WriteJsonl(Right);
        var result = await Foundation.Cli.RunAsync("grade", path);
        Assert.Equal(0, result.Code);
        Assert.Contains("Pass@1: 1/1 = 100.00%", result.Output, StringComparison.Ordinal);
    }
}
