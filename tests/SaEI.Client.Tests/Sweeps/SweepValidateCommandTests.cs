using SaEI.Testing;

namespace SaEI.Client.Tests.Sweeps;

public sealed class SweepValidateCommandTests
{
    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (await CommandLine.RunAsync(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    [Fact]
    public async Task A_valid_example_prints_the_run_count_and_every_run()
    {
        var (code, output, _) = await RunAsync("sweep", "validate", Path.Combine(RepositoryPaths.Root, "examples", "synthetic-demo-quick.yaml"), "--runs");
        Assert.Equal(0, code);
        Assert.Contains("2 method(s) × 1 grid point(s) × 3 seed(s) = 6 run(s) of 6 steps", output, StringComparison.Ordinal);
        Assert.Matches(@"\n  grpo-[0-9a-f]{8}-s1 ", output);
        Assert.Contains("fingerprint ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_spec_lists_each_problem_with_file_line_and_key_and_exits_1()
    {
        string path = Path.Combine(Path.GetTempPath(), $"saei-spec-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, """
            experiment: x
            model: { family: tiny-vlm }
            data:
              train: { format: synthetic, task: counting, size: 10 }
              test: { format: synthetic, task: counting, size: 10 }
            seeds: [1]
            steps: 10
            methods:
              saei: { step_sise: 0.01 }
            """);
        try
        {
            var (code, _, error) = await RunAsync("sweep", "validate", path);
            Assert.Equal(1, code);
            Assert.Contains($"{path}:9:11: methods.saei.step_sise: unknown key; did you mean step_size?", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Missing_arguments_print_usage_and_exit_2()
    {
        var (code, _, error) = await RunAsync("sweep", "validate");
        Assert.Equal(2, code);
        Assert.Contains("usage: saei sweep validate", error, StringComparison.Ordinal);
    }
}
