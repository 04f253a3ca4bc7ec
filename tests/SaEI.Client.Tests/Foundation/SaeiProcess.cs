using System.Diagnostics;
using System.Text;
using SaEI.Testing;

namespace SaEI.Client.Tests.Foundation;

/// <summary>
/// Runs the built saei.dll (or the ./saei script) as a child process with stdout and stderr kept apart, and times it.
/// </summary>
public static class SaeiProcess
{
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed);

    public static async Task<Result> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null
    )
    {
        string dll = Path.Combine(RepositoryPaths.Root, "Client", "bin", "Release", "net10.0", "saei.dll");
        if (!File.Exists(dll))
            dll = Path.Combine(AppContext.BaseDirectory, "saei.dll");
        return await StartAsync("dotnet", [dll, .. args], environment, timeout);
    }

    /// <summary>Runs the checkout's ./saei script (Release configuration) with <paramref name="args"/>.</summary>
    public static Task<Result> RunScriptAsync(IReadOnlyList<string> args, TimeSpan timeout) =>
        StartAsync(
            "bash",
            [Path.Combine(RepositoryPaths.Root, "saei"), .. args],
            new Dictionary<string, string?> { ["SAEI_CONFIGURATION"] = "Release" },
            timeout
        );

    private static async Task<Result> StartAsync(
        string fileName,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string?>? environment,
        TimeSpan? timeout
    )
    {
        var start = new ProcessStartInfo(fileName, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                start.Environment.Remove(key);
            else
                start.Environment[key] = value;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (output)
                    output.AppendLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (error)
                    error.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"saei {string.Join(' ', args)} did not finish in time; stderr:\n{error}");
        }
        var elapsed = clock.Elapsed;
        process.WaitForExit(); // drains the output readers
        return new Result(process.ExitCode, output.ToString(), error.ToString(), elapsed);
    }
}
