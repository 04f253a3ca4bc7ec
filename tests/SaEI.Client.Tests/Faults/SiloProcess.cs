using System.Diagnostics;
using System.Text.RegularExpressions;
using SaEI.Testing;

namespace SaEI.Client.Tests.Faults;

/// <summary>A `saei silo` child process (the built saei.dll) with its output in a log file for failure
/// messages.</summary>
public sealed partial class SiloProcess : IDisposable
{
    /// <summary>The xunit collection of tests that start silo processes: one at a time, they load the
    /// machine.</summary>
    public const string Collection = "silo processes";

    private readonly Process process;
    private string? workerId;

    private SiloProcess(Process process, int siloPort, string log)
    {
        this.process = process;
        SiloPort = siloPort;
        LogPath = log;
    }

    public int SiloPort { get; }

    public string LogPath { get; }

    public bool Exited => process.HasExited;

    /// <summary>The worker id (silo address with incarnation) once the silo's worker pulls work; null before.</summary>
    public string? WorkerId =>
        workerId ??= WorkerStarted().Match(LogText()) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>Starts several silos at once (see <see cref="StartAsync"/>); none is left running if one
    /// fails.</summary>
    public static async Task<SiloProcess[]> StartManyAsync(
        int count,
        string clusterId,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout
    )
    {
        var starting = Enumerable.Range(0, count).Select(_ => StartAsync(clusterId, environment, timeout)).ToList();
        try
        {
            return await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var start in starting.Where(s => s.IsCompletedSuccessfully))
                start.Result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts a gpu/all silo on fresh ports and waits until its worker pulls work (it has joined the cluster: needs
    /// SaEI.Grains.Workers.GpuWorkerStarter logged at Information); starts again on other ports if one was taken
    /// before the silo bound it.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(
        string clusterId,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        IReadOnlyList<string>? flags = null
    )
    {
        for (int attempt = 1; ; attempt++)
        {
            var silo = Start(clusterId, Ports.Free(), Ports.Free(), environment, flags);
            var deadline = DateTime.UtcNow + TestTimeouts.Scaled(timeout);
            while (silo.WorkerId is null && !silo.Exited && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            if (silo.WorkerId is not null)
                return silo;
            string log = silo.LogTail();
            silo.Dispose();
            if (!Ports.SaysPortInUse(log) || attempt == 5)
                throw new TimeoutException(
                    $"silo of cluster {clusterId} did not start its worker within "
                        + $"{TestTimeouts.Scaled(timeout).TotalSeconds:0} s; log:\n{log}"
                );
        }
    }

    /// <summary>Starts `saei silo` with <paramref name="flags"/> after the cluster and port flags.</summary>
    public static SiloProcess Start(
        string clusterId,
        int siloPort,
        int gatewayPort,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyList<string>? flags = null
    )
    {
        string dll = Path.Combine(RepositoryPaths.Root, "Client", "bin", "Release", "net10.0", "saei.dll");
        if (!File.Exists(dll))
            dll = Path.Combine(AppContext.BaseDirectory, "saei.dll");
        string log = Path.Combine(Scratch.Folder, $"silo-{clusterId}-{siloPort}.log");
        var start = new ProcessStartInfo(
            "dotnet",
            [
                dll,
                "silo",
                "--role",
                "all",
                "--cluster-id",
                clusterId,
                "--port",
                siloPort.ToString(),
                "--gateway-port",
                gatewayPort.ToString(),
                .. flags ?? [],
            ]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = Process.Start(start)!;
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (writer)
                    writer.WriteLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (writer)
                    writer.WriteLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(process, siloPort, log);
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void KillHard() => process.Kill(entireProcessTree: true);

    public string LogTail()
    {
        string text = LogText();
        return text.Length > 3000 ? text[^3000..] : text;
    }

    private string LogText()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    [GeneratedRegex(@"GPU worker (\S+) is pulling work")]
    private static partial Regex WorkerStarted();

    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.WaitForExit(5000);
        process.Dispose();
    }
}
