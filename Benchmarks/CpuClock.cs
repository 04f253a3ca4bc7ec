using System.Diagnostics;
using System.Globalization;

namespace SaEI.Benchmarks;

/// <summary>
/// CPU seconds spent between laps by this process and, when given a pid, by a server process (e.g. Azurite), so a
/// benchmark can say which side of a transfer does the work. Laps read "client[/server]".
/// </summary>
internal sealed class CpuClock
{
    private readonly int serverPid;
    private double client;
    private double server;

    public CpuClock(int serverPid)
    {
        this.serverPid = serverPid;
        (client, server) = Now();
    }

    /// <summary>The laps taken so far, in order.</summary>
    public List<string> Laps { get; } = [];

    /// <summary>CPU seconds since the previous lap.</summary>
    public string Lap()
    {
        var (c, s) = Now();
        string lap =
            serverPid > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{c - client:F2}/{s - server:F2}")
                : string.Create(CultureInfo.InvariantCulture, $"{c - client:F2}");
        (client, server) = (c, s);
        Laps.Add(lap);
        return lap;
    }

    private (double Client, double Server) Now()
    {
        double self = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        if (serverPid <= 0)
            return (self, 0);
        // /proc/PID/stat: utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
        string[] fields = File.ReadAllText($"/proc/{serverPid}/stat").Split(')')[1].Split(' ');
        double ticks =
            double.Parse(fields[12], CultureInfo.InvariantCulture)
            + double.Parse(fields[13], CultureInfo.InvariantCulture);
        return (self, ticks / 100);
    }
}
