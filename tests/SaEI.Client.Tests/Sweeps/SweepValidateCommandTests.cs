using System.Diagnostics;
using System.Text.RegularExpressions;
using SaEI.Testing;

namespace SaEI.Client.Tests.Sweeps;

public sealed class SweepValidateCommandTests
{
    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var result = await Foundation.Cli.RunAsync(args);
        return (result.Code, result.Output, result.Error);
    }

    [Fact]
    public async Task A_valid_example_prints_the_run_count_and_every_run()
    {
        var (code, output, _) = await RunAsync(
            "sweep",
            "validate",
            Path.Combine(RepositoryPaths.Root, "examples", "synthetic-demo-quick.yaml"),
            "--runs"
        );
        Assert.Equal(0, code);
        Assert.Contains(
            "2 method(s) × 1 grid point(s) × 3 seed(s) = 6 run(s) of 6 steps",
            output,
            StringComparison.Ordinal
        );
        Assert.Matches(@"\n  grpo-[0-9a-f]{8}-s1 ", output);
        Assert.Contains("fingerprint ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_of_the_7B_paper_spec_print_a_memory_plan_without_loading_the_model()
    {
        var (code, output, _) = await RunAsync(
            "sweep",
            "validate",
            Path.Combine(RepositoryPaths.Root, "examples", "paper-geometry3k.yaml"),
            "--runs",
            "--available",
            "141"
        );
        Assert.Equal(0, code);
        Assert.Contains("memory plan from ", output, StringComparison.Ordinal);
        Assert.Contains(
            "qwen25vl-7b.json (model folder not on this machine): 8,292,166,656 parameters",
            output,
            StringComparison.Ordinal
        );
        Assert.Matches(@"\n    memory [0-9.]+ GiB on cuda:0 \(.*weights 15\.4 GiB.*\)\n", output);
        Assert.Contains("does not fit: needs ", output, StringComparison.Ordinal);
        Assert.Contains("141.0 GiB available: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_run_of_the_paper_spec_says_for_each_node_whether_it_fits_and_the_fix_when_not()
    {
        string examples = Path.Combine(RepositoryPaths.Root, "examples");
        var (code, output, _) = await RunAsync(
            "sweep",
            "validate",
            Path.Combine(examples, "paper-mm-eureka.yaml"),
            "--runs"
        );
        Assert.Equal(0, code);
        // 21 runs, each judged on both nodes of the spec: the two-H200 node fits, the two-H100 node does not.
        const string fits =
            @"\n    node h200-141g \(2 × cuda, 139\.8 GiB each\): fits, [0-9.]+ GiB of 279\.6 GiB on cuda:0";
        const string refused =
            @"\n    node h100-80g \(2 × cuda, 79\.6 GiB each\): does not fit: needs [0-9.]+ GiB on cuda:0, "
            + @"159\.2 GiB available: .* or add a device\.\n";
        Assert.Equal(21, Regex.Matches(output, fits).Count);
        Assert.Equal(21, Regex.Matches(output, refused).Count);
        // A run without activation checkpointing also prints its estimate with it.
        var (_, quick, _) = await RunAsync(
            "sweep",
            "validate",
            Path.Combine(examples, "synthetic-demo-quick.yaml"),
            "--runs"
        );
        Assert.Matches(@"\n    memory [0-9.]+ MiB on cpu \(.*\); [0-9.]+ MiB with activation checkpointing\n", quick);
    }

    [Fact]
    public async Task An_invalid_spec_lists_each_problem_with_file_line_and_key_and_exits_1()
    {
        string path = Path.Combine(Path.GetTempPath(), $"saei-spec-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(
            path,
            """
            experiment: x
            model: { family: tiny-vlm }
            data:
              train: { format: synthetic, task: counting, size: 10 }
              test: { format: synthetic, task: counting, size: 10 }
            seeds: [1]
            steps: 10
            methods:
              saei: { step_sise: 0.01 }
            """
        );
        try
        {
            var (code, _, error) = await RunAsync("sweep", "validate", path);
            Assert.Equal(1, code);
            Assert.Contains(
                $"{path}:9:11: methods.saei.step_sise: unknown key; did you mean step_size?",
                error,
                StringComparison.Ordinal
            );
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string> HostileCases() => [.. HostileSpecs.All("x").Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task A_hostile_spec_exits_1_with_its_error_on_stderr_and_a_bounded_report(string name)
    {
        var @case = HostileSpecs.All("hostile").Single(c => c.Name == name);
        string path = Path.Combine(Path.GetTempPath(), $"saei-hostile-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, @case.Yaml);
        try
        {
            var (code, output, error) = await RunAsync("sweep", "validate", path);
            Assert.Equal(1, code);
            // Not Assert.Empty: Console is process-wide and other test classes' Orleans clients may log to it meanwhile
            // (the process-level test below asserts an empty stdout).
            Assert.DoesNotContain(": valid.", output, StringComparison.Ordinal);
            foreach (string expected in @case.Expected)
                Assert.Contains(expected, error, StringComparison.Ordinal);
            Assert.True(error.Length < 256 * 1024, $"{name}: {error.Length} characters on stderr");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("/dev/zero", "is a character device, not a regular file")]
    [InlineData("/tmp", "is a directory")]
    public async Task A_device_or_a_directory_is_refused_after_a_bounded_read(string path, string expected)
    {
        var (code, _, error) = await RunAsync("sweep", "validate", path);
        Assert.Equal(1, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spec_that_is_not_utf8_names_the_file_and_the_offset()
    {
        string path = Path.Combine(Path.GetTempPath(), $"saei-latin1-{Guid.NewGuid():N}.yaml");
        await File.WriteAllBytesAsync(path, [.. "experiment: caf"u8, 0xE9, (byte)'\n']);
        try
        {
            var (code, _, error) = await RunAsync("sweep", "validate", path);
            Assert.Equal(1, code);
            Assert.Contains(
                $"'{path}' is not UTF-8 text (an invalid byte near offset 15)",
                error,
                StringComparison.Ordinal
            );
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_saei_process_exits_1_not_134_on_a_deep_spec_and_reads_its_limits_from_the_environment()
    {
        string deep = Path.Combine(Path.GetTempPath(), $"saei-deep-{Guid.NewGuid():N}.yaml");
        // 100,000 levels overflowed 1.5 MiB of stack
        await File.WriteAllTextAsync(deep, HostileSpecs.DeepFlow("deep", depth: 100_000));
        try
        {
            var (code, output, error) = await SaeiProcessAsync(["sweep", "validate", deep], []);
            Assert.True(code == 1, $"exit {code}; stderr: {error}");
            Assert.Equal("", output);
            Assert.Contains("more than 64 levels deep", error, StringComparison.Ordinal);

            string example = Path.Combine(RepositoryPaths.Root, "examples", "synthetic-demo-quick.yaml"); // 6 runs
            (code, _, error) = await SaeiProcessAsync(
                ["sweep", "validate", example],
                new() { ["Saei__Specs__MaxRuns"] = "5" }
            );
            Assert.Equal(1, code);
            Assert.Contains("expands to 6 runs", error, StringComparison.Ordinal);
            Assert.Contains("at most 5 are allowed (set by Saei:Specs:MaxRuns", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(deep);
        }
    }

    private static async Task<(int Code, string Out, string Error)> SaeiProcessAsync(
        string[] args,
        Dictionary<string, string> environment
    )
    {
        string dll = Path.Combine(RepositoryPaths.Root, "Client", "bin", "Release", "net10.0", "saei.dll");
        if (!File.Exists(dll))
            dll = Path.Combine(AppContext.BaseDirectory, "saei.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Missing_arguments_print_usage_and_exit_2()
    {
        var (code, _, error) = await RunAsync("sweep", "validate");
        Assert.Equal(2, code);
        Assert.Contains("saei sweep validate: Required argument missing", error, StringComparison.Ordinal);
        Assert.Contains("saei sweep validate --help", error, StringComparison.Ordinal);
    }
}
