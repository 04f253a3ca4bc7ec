using System.Diagnostics;
using Azure.Storage.Blobs;
using SaEI.Grains.Storage;

namespace SaEI.Testing;

/// <summary>
/// Makes sure the local Azurite answers before a storage test runs: `./saei test` starts it, and a plain
/// `dotnet test` starts it here through infra/azurite.sh (which reuses or replaces a stale one).
/// </summary>
public static class Azurite
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool ready;

    public static string ConnectionString => LocalStorage.ResolveConnectionString();

    public static async Task EnsureRunningAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (ready || await AnswersAsync())
            {
                ready = true;
                return;
            }
            var start = new ProcessStartInfo(
                "bash",
                [Path.Combine(RepositoryPaths.Root, "infra", "azurite.sh"), "start"]
            )
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            string output =
                await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0 || !await AnswersAsync())
                throw new InvalidOperationException(
                    $"Azurite is not running and infra/azurite.sh start failed (exit {process.ExitCode}): {output}"
                );
            ready = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A fresh, uniquely named container that the caller owns.</summary>
    public static async Task<BlobContainerClient> NewContainerAsync(string prefix)
    {
        await EnsureRunningAsync();
        var container = new BlobServiceClient(ConnectionString).GetBlobContainerClient(
            $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)]
        );
        await container.CreateAsync();
        return container;
    }

    private static async Task<bool> AnswersAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await new BlobServiceClient(
                ConnectionString,
                new BlobClientOptions { Retry = { MaxRetries = 0 } }
            ).GetPropertiesAsync(timeout.Token);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
