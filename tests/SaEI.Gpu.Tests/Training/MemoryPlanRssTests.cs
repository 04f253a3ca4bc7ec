using System.Diagnostics;
using Xunit.Abstractions;

namespace SaEI.Gpu.Tests.Training;

[CollectionDefinition(nameof(MemoryPlanRssTests), DisableParallelization = true)]
public sealed class MemoryPlanRssCollection;

/// <summary>
/// The memory plan against measured peak RSS on the CPU (issue 13 acceptance: within 25%) for three configs. Each is
/// measured in its own process by the benchmarks' <c>memory-plan-rss CONFIG</c> verb (Benchmarks/MemoryPlanRss.cs:
/// a warm-up step, then the smaller peak of two measured RL steps with glibc mapping blocks of 64 KiB or more on
/// their own), so the peak is the step's alone and not also the test host's. The collection runs alone: other test
/// processes' work does not change a process's RSS, but other tests in this host would slow the child down.
/// </summary>
[Collection(nameof(MemoryPlanRssTests))]
public sealed class MemoryPlanRssTests(ITestOutputHelper output)
{
    public static TheoryData<string> Configs() => ["tiny-vlm", "tiny-qwen", "small-qwen"];

    [Theory]
    [MemberData(nameof(Configs))]
    [Trait("Category", "Slow")]
    public async Task Estimated_peak_is_within_25_percent_of_measured_peak_rss(string name)
    {
        if (!File.Exists("/proc/self/clear_refs"))
            return; // Linux only
        var start = new ProcessStartInfo("dotnet", [BenchmarksAssembly(), "memory-plan-rss", name])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet.");
        var stderr = child.StandardError.ReadToEndAsync();
        var stdoutRead = child.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(25));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"memory-plan-rss {name} did not finish within 25 minutes.");
        }
        string stdout = await stdoutRead;
        output.WriteLine(stdout.Trim());
        Assert.True(
            child.ExitCode == 0,
            $"memory-plan-rss {name} exited {child.ExitCode} (1: ratio outside 0.75-1.25):\n{stdout}\n{await stderr}"
        );
        Assert.Contains($"memory-plan-rss {name}:", stdout, StringComparison.Ordinal);
        Assert.Contains("ratio", stdout, StringComparison.Ordinal);
    }

    /// <summary>The benchmarks assembly of this build configuration (built with the solution).</summary>
    private static string BenchmarksAssembly()
    {
        string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal)
            ? "Debug"
            : "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                continue;
            string path = Path.Combine(
                dir.FullName,
                "Benchmarks",
                "bin",
                configuration,
                "net10.0",
                "SaEI.Benchmarks.dll"
            );
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException(
                    $"{path} is missing; build the solution first (dotnet build SaEI.sln -c {configuration})."
                );
        }
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    }
}
