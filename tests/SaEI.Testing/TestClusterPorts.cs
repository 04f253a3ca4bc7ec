using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.TestingHost;

namespace SaEI.Testing;

/// <summary>
/// Ports for Orleans test clusters, below the OS's ephemeral range. Orleans' own allocator picks gateway ports in
/// 40000-50000 and checks only listening sockets, but on Linux that range is ephemeral (32768-60999): under load
/// (many storage connections, sockets in TIME_WAIT) an outgoing connection may hold the port and the silo fails to
/// bind. Here each port of a block is checked by binding it, and blocks start at random so parallel test processes
/// rarely meet.
/// </summary>
public sealed class TestClusterPorts : ITestClusterPortAllocator
{
    // Above Azurite (10000-10002), below the ephemeral range (read from the kernel when it says otherwise).
    private const int Low = 11000;

    private static readonly int High = Math.Min(32000, EphemeralStart() - 1);

    /// <summary>A cluster builder whose silos take ports from this allocator.</summary>
    public static TestClusterBuilder Builder(short silos) => new(silos) { PortAllocator = new TestClusterPorts() };

    public (int, int) AllocateConsecutivePortPairs(int numPorts)
    {
        int middle = Low + ((High - Low) / 2);
        return (FreeBlock(Low, middle, numPorts), FreeBlock(middle, High, numPorts));
    }

    public void Dispose() { }

    private static int FreeBlock(int from, int to, int count)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int start = Random.Shared.Next(from, to - count);
            if (Enumerable.Range(start, count).All(Bindable))
                return start;
        }
        throw new InvalidOperationException($"no {count} consecutive free ports in {from}-{to} after 200 tries");
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralStart()
    {
        try
        {
            string range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            return int.Parse(
                range.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0],
                CultureInfo.InvariantCulture
            );
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32768;
        }
    }
}
