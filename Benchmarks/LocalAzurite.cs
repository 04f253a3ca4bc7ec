using System.Diagnostics;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Benchmarks;

/// <summary>
/// Makes the storage the orchestration benchmarks need answer before they start: SAEI_STORAGE when set (checked, never
/// started), else the local Azurite, started through infra/azurite.sh when it does not answer. Without this the
/// benchmarks failed deep inside a grain with "connection refused".
/// </summary>
public static class LocalAzurite
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The connection string of storage that answers; throws <see cref="InvalidOperationException"/> saying
    /// what to do.</summary>
    public static async Task<string> EnsureAsync()
    {
        string connectionString = LocalStorage.ResolveConnectionString();
        if (await StorageCheck.CheckAsync(connectionString, CheckTimeout) is not { } problem)
            return connectionString;
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(LocalStorage.ConnectionStringVariable)))
            throw new InvalidOperationException($"The orchestration benchmarks need blob storage: {problem}");
        string script =
            FindScript()
            ?? throw new InvalidOperationException(
                $"The orchestration benchmarks need blob storage and Azurite does not answer ({problem}); run "
                    + $"`infra/azurite.sh start` in the repository first."
            );
        await Console.Error.WriteLineAsync(
            $"Azurite does not answer; starting it with {script} start (once; it keeps running)."
        );
        var start = new ProcessStartInfo("bash", [script, "start"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process =
            Process.Start(start) ?? throw new InvalidOperationException($"could not run bash {script} start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || await StorageCheck.CheckAsync(connectionString, CheckTimeout) is { } still)
            throw new InvalidOperationException(
                $"`{script} start` did not bring Azurite up (exit {process.ExitCode}): {await output}{await error}"
                    + "; start it by hand (`infra/azurite.sh start`) or set SAEI_STORAGE to a reachable account."
            );
        return connectionString;
    }

    /// <summary>infra/azurite.sh above the working directory or the binaries (BenchmarkDotNet runs from a generated
    /// folder).</summary>
    private static string? FindScript()
    {
        foreach (string origin in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(origin); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "infra", "azurite.sh");
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }
}
