using System.Diagnostics;
using SaEI.Testing;

namespace SaEI.Client.Tests.Faults;

/// <summary>A `saei silo` child process (the built saei.dll) with its output in a log file for failure messages.</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process process;

    private SiloProcess(Process process, int siloPort, string log)
    {
        this.process = process;
        SiloPort = siloPort;
        LogPath = log;
    }

    public int SiloPort { get; }

    public string LogPath { get; }

    public bool Exited => process.HasExited;

    public static SiloProcess Start(string clusterId, int siloPort, int gatewayPort, IReadOnlyDictionary<string, string> environment)
    {
        string dll = Path.Combine(RepositoryPaths.Root, "Client", "bin", "Release", "net10.0", "saei.dll");
        if (!File.Exists(dll)) dll = Path.Combine(AppContext.BaseDirectory, "saei.dll");
        string log = Path.Combine(Path.GetTempPath(), $"saei-silo-{clusterId}-{siloPort}.log");
        var start = new ProcessStartInfo("dotnet", [dll, "silo", "--role", "all", "--cluster-id", clusterId, "--port", siloPort.ToString(), "--gateway-port", gatewayPort.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(process, siloPort, log);
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void KillHard() => process.Kill(entireProcessTree: true);

    public string LogTail()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            string text = new StreamReader(stream).ReadToEnd();
            return text.Length > 3000 ? text[^3000..] : text;
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit(5000);
        process.Dispose();
    }
}
