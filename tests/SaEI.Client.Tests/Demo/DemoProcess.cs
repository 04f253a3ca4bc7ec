using System.Diagnostics;
using System.Text;
using SaEI.Testing;

namespace SaEI.Client.Tests.Demo;

/// <summary>A `saei demo` child process (the built saei.dll), optionally sent SIGINT (Ctrl-C) when a line
/// appears.</summary>
public static class DemoProcess
{
    public sealed record Result(int ExitCode, bool Interrupted, string Output);

    public static async Task<Result> RunAsync(
        IReadOnlyList<string> args,
        Func<string, bool>? interruptWhen,
        TimeSpan? timeout = null
    )
    {
        string dll = Path.Combine(RepositoryPaths.Root, "Client", "bin", "Release", "net10.0", "saei.dll");
        if (!File.Exists(dll))
            dll = Path.Combine(AppContext.BaseDirectory, "saei.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        bool interrupted = false;
        var lines = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (output)
                    output.AppendLine(e.Data);
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (output)
                output.AppendLine(e.Data);
            if (!interrupted && interruptWhen?.Invoke(e.Data) == true)
            {
                interrupted = true;
                // Ctrl-C: SIGINT to the process, as a terminal would send it.
                using var kill = Process.Start(
                    new ProcessStartInfo(
                        "kill",
                        ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]
                    )
                );
                kill?.WaitForExit();
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(6));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"saei {string.Join(' ', args)} did not finish in time:\n{output}");
        }
        process.WaitForExit(); // drains the output readers
        lock (output)
            return new Result(process.ExitCode, interrupted, output.ToString());
    }
}
