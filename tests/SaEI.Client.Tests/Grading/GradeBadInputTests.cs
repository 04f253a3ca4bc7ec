using System.Diagnostics;

namespace SaEI.Client.Tests.Grading;

/// <summary>
/// `saei grade` on input that is not a JSONL file of rows (issue #11, items 5 and 10): devices, FIFOs, folders,
/// empty files, invalid UTF-8, lines over the limit. Each exits 1 at once with a message naming the file, the line and
/// the limit; nothing grows without bound.
/// </summary>
public sealed class GradeBadInputTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("saei-grade-bad-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var result = Foundation.Cli.Run(["grade", .. args]);
        return (result.Code, result.Output, result.Error);
    }

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void A_device_exits_1_at_once(string device)
    {
        var (exit, output, error) = Run(device);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains(
            $"grading file '{device}' is a character device, not a regular file",
            error,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_fifo_and_a_folder_are_named_for_what_they_are()
    {
        string fifo = Path.Combine(directory, "rows.jsonl");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [fifo]))!)
            Assert.True(mkfifo.WaitForExit(10_000) && mkfifo.ExitCode == 0);
        var (exit, _, error) = Run(fifo);
        Assert.Equal(1, exit);
        Assert.Contains("is a FIFO (named pipe), not a regular file", error, StringComparison.Ordinal);
        (exit, _, error) = Run(directory);
        Assert.Equal(1, exit);
        Assert.Contains("is a directory; give the path of a file", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_or_blank_file_is_an_error_not_a_silent_zero()
    {
        foreach (string content in new[] { "", "\n  \n\n" })
        {
            string path = Write("empty.jsonl", System.Text.Encoding.UTF8.GetBytes(content));
            var (exit, _, error) = Run(path);
            Assert.Equal(1, exit);
            Assert.Contains(
                $"{path}: has no rows (it is empty or holds only blank lines)",
                error,
                StringComparison.Ordinal
            );
        }
    }

    [Fact]
    public void Invalid_utf8_names_the_line_and_the_other_lines_are_graded()
    {
        byte[] good = """{"given": "1", "ground_truth": "1"}"""u8.ToArray();
        byte[] bad =
        [
            .. System.Text.Encoding.UTF8.GetBytes("{\"given\": \"1"),
            0xFF,
            0xFE,
            .. System.Text.Encoding.UTF8.GetBytes("\", \"ground_truth\": \"1\"}"),
        ];
        string path = Write("mixed.jsonl", [.. good, (byte)'\n', .. bad, (byte)'\n', .. good, (byte)'\n']);
        var (exit, output, error) = Run(path);
        Assert.Equal(1, exit);
        Assert.Contains($"{path} line 2: field '(line)': is not valid UTF-8 (at byte", error, StringComparison.Ordinal);
        Assert.Contains("Pass@1: 2/2 = 100.00%", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_over_the_limit_and_a_file_over_the_limit_name_the_limit()
    {
        string row = """{"given": "1", "ground_truth": "1"}""";
        string path = Write(
            "long.jsonl",
            System.Text.Encoding.UTF8.GetBytes(
                row + "\n" + $$"""{"given": "{{new string('9', 100_000)}}", "ground_truth": "1"}""" + "\n" + row + "\n"
            )
        );
        var (exit, output, error) = Run(path, "--max-line-bytes", "1000");
        Assert.Equal(1, exit);
        Assert.Contains(
            $"{path} line 2: field '(line)': holds more than the limit of 1000 bytes (--max-line-bytes)",
            error,
            StringComparison.Ordinal
        );
        Assert.Contains("Pass@1: 2/2 = 100.00%", output, StringComparison.Ordinal);

        (exit, _, error) = Run(path, "--max-file-bytes", "50");
        Assert.Equal(1, exit);
        Assert.Contains("more than the limit of 50 (--max-file-bytes)", error, StringComparison.Ordinal);
        Assert.Equal(2, Run(path, "--max-line-bytes", "lots").Exit);
        Assert.Equal(2, Run(path, "--unknown").Exit);
    }
}
