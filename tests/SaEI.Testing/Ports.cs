using System.Net;
using System.Net.Sockets;

namespace SaEI.Testing;

/// <summary>
/// Ports for silos a test starts itself. Orleans needs the port before it binds (it advertises it in membership), so
/// a test asks the OS for an ephemeral port, and — since another process may take it before the silo binds — starts
/// again on fresh ports when the bind fails because the address is in use.
/// </summary>
public static class Ports
{
    /// <summary>A port the OS just handed out as free on loopback.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Calls <paramref name="start"/> with a fresh (silo, gateway) port pair, again while it fails on a port
    /// in use.</summary>
    public static async Task<T> StartOnFreePortsAsync<T>(Func<int, int, Task<T>> start, int attempts = 5)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await start(Free(), Free());
            }
            catch (Exception e) when (attempt < attempts && IsPortInUse(e))
            {
                // Taken between Free() and the bind: try other ports.
            }
        }
    }

    /// <summary>Whether an exception (or one it wraps) says an address was already in use.</summary>
    public static bool IsPortInUse(Exception e) =>
        e switch
        {
            SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } => true,
            AggregateException aggregate => aggregate.InnerExceptions.Any(IsPortInUse),
            _ when e.GetType().Name == "AddressInUseException" => true,
            _ => e.InnerException is { } inner && IsPortInUse(inner),
        };

    /// <summary>Whether a log says a bind failed because the address was in use.</summary>
    public static bool SaysPortInUse(string log) =>
        log.Contains("AddressInUse", StringComparison.Ordinal)
        || log.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
}
