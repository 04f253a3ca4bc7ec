using System.Globalization;

namespace SaEI.Grains.Workers;

/// <summary>
/// Where a worker sits: its id is the silo's address with the silo's incarnation ("127.0.0.1:11111@123456789"),
/// so a restarted silo on the same port is a different worker and runs of the dead one are told apart.
/// </summary>
/// <param name="Silo">The silo's endpoint, "host:port".</param>
/// <param name="Incarnation">The silo's generation (set at each start), distinguishing restarts on one
/// endpoint.</param>
public sealed record WorkerAddress(string Silo, int Incarnation)
{
    /// <summary>Parses a worker id; null when it is not a silo address (e.g. an id a test made up).</summary>
    public static WorkerAddress? TryParse(string? workerId)
    {
        if (workerId is null)
            return null;
        int at = workerId.LastIndexOf('@');
        if (
            at <= 0
            || !int.TryParse(
                workerId.AsSpan(at + 1),
                NumberStyles.Integer,
                CultureInfo.InvariantCulture,
                out int incarnation
            )
        )
            return null;
        return new WorkerAddress(workerId[..at], incarnation);
    }

    /// <summary>The Orleans silo address of a worker id; null when it is not one.</summary>
    public static SiloAddress? SiloOf(string? workerId)
    {
        if (TryParse(workerId) is null)
            return null;
        try
        {
            return SiloAddress.FromParsableString(workerId!);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
