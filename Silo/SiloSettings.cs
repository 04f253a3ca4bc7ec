using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using SaEI.Grains.Storage;

namespace SaEI.Silo;

/// <summary>What a silo does: control (experiments, runs, leaderboards), gpu (a worker that executes runs), or
/// all.</summary>
public enum SiloRole
{
    All,
    Control,
    Gpu,
}

/// <summary>
/// A silo's settings, from (later wins) appsettings.json, environment (Saei__Role, ...; SAEI_STORAGE for the storage
/// connection string) and flags (--role, --cluster-id, --port, --gateway-port, --slots, --step-ms, --bind, --tls-cert,
/// --tls-ca, and the telemetry flags of <see cref="Telemetry.SiloTelemetry.Flags"/>). The local default needs nothing
/// but Azurite: one silo, role all, localhost clustering, Azurite on 127.0.0.1, listening on loopback only. A silo that
/// binds any other address must use mutual TLS (see <see cref="TlsSettings"/>), because the gateway would otherwise
/// accept any client that knows the cluster id.
/// </summary>
public sealed record SiloSettings
{
    /// <summary>Flags and the configuration keys they set.</summary>
    public static IReadOnlyDictionary<string, string> Flags { get; } =
        new Dictionary<string, string>
        {
            ["--executor"] = SiloConfiguration.ExecutorKey,
            ["--role"] = "Saei:Role",
            ["--cluster-id"] = "Saei:ClusterId",
            ["--port"] = "Saei:SiloPort",
            ["--gateway-port"] = "Saei:GatewayPort",
            ["--slots"] = "Saei:Worker:Slots",
            ["--step-ms"] = "Saei:Simulation:StepMilliseconds",
            ["--name"] = "Saei:SiloName",
            ["--bind"] = BindKey,
            ["--tls-cert"] = TlsSettings.CertificateKey,
            ["--tls-ca"] = TlsSettings.TrustedCaKey,
        }
            .Concat(Telemetry.SiloTelemetry.Flags)
            .ToDictionary();

    /// <summary>The address a silo listens on and advertises to the cluster.</summary>
    public const string BindKey = "Saei:Bind";

    public SiloRole Role { get; init; } = SiloRole.All;

    /// <summary>Null: one local silo with localhost clustering. Set: Azure Table clustering under this cluster
    /// id.</summary>
    public string? ClusterId { get; init; }

    /// <summary>Silo-to-silo port. Default 11111 (Orleans).</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Client gateway port. Default 30000 (Orleans).</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The address to listen on and advertise (--bind / Saei:Bind). Default 127.0.0.1: reachable from this
    /// host only.</summary>
    public IPAddress Bind { get; init; } = IPAddress.Loopback;

    /// <summary>Mutual TLS for silo and gateway connections; null: plain TCP, allowed on loopback only.</summary>
    public TlsSettings? Tls { get; init; }

    public bool BindsBeyondLoopback => !IPAddress.IsLoopback(Bind);

    /// <summary>The storage connection string; never logged (see <see cref="StorageDescription"/>).</summary>
    public required string StorageConnectionString { get; init; }

    public bool RunsWorker => Role is SiloRole.All or SiloRole.Gpu;

    /// <summary>Reads the settings; throws <see cref="ArgumentException"/> naming each bad key and what to
    /// set.</summary>
    public static SiloSettings From(IConfiguration configuration)
    {
        var errors = new List<string>();
        var section = configuration.GetSection("Saei");
        string roleText = section["Role"] ?? "all";
        if (!Enum.TryParse(roleText, ignoreCase: true, out SiloRole role) || int.TryParse(roleText, out _))
            errors.Add($"--role / Saei:Role is '{roleText}'; set control, gpu or all.");
        int siloPort = Port(section, "SiloPort", 11111, "--port", errors);
        int gatewayPort = Port(section, "GatewayPort", 30000, "--gateway-port", errors);
        string? clusterId = section["ClusterId"];
        if (clusterId is not null && Ids.Check(clusterId, "cluster id") is { } badCluster)
            errors.Add($"--cluster-id: {badCluster}");
        string? storage =
            section["Storage"] ?? Environment.GetEnvironmentVariable(LocalStorage.ConnectionStringVariable);
        var bind = Address(section["Bind"], errors);
        int beforeTls = errors.Count;
        var tls = ReadTls(configuration, errors);
        if (bind is not null && !IPAddress.IsLoopback(bind) && tls is null && errors.Count == beforeTls)
            errors.Add(
                $"--bind / {BindKey} is {bind}, beyond loopback, and TLS is not configured: anyone who can reach the "
                    + $"port could join or drive the cluster. "
                    + $"Set --tls-cert / {TlsSettings.CertificateKey} (this silo's certificate and key) and --tls-ca "
                    + $"/ {TlsSettings.TrustedCaKey} (the cluster's CA), "
                    + $"see README \"Security\"; or bind 127.0.0.1."
            );
        if (errors.Count > 0)
            throw new ArgumentException("invalid silo settings: " + string.Join(" ", errors));
        return new SiloSettings
        {
            Role = role,
            ClusterId = string.IsNullOrWhiteSpace(clusterId) ? null : clusterId,
            SiloPort = siloPort,
            GatewayPort = gatewayPort,
            Bind = bind ?? IPAddress.Loopback,
            Tls = tls,
            StorageConnectionString = string.IsNullOrWhiteSpace(storage)
                ? LocalStorage.AzuriteConnectionString()
                : storage,
        };
    }

    /// <summary>Flags the silo accepts; throws naming an unknown one.</summary>
    public static void CheckFlags(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                continue;
            string flag = args[i].Split('=')[0];
            if (!Flags.ContainsKey(flag))
                throw new ArgumentException(
                    $"unknown flag '{flag}'; the silo accepts {string.Join(", ", Flags.Keys)}."
                );
            if (
                !args[i].Contains('=', StringComparison.Ordinal)
                && (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            )
                throw new ArgumentException($"flag '{flag}' needs a value.");
        }
    }

    private static IPAddress? Address(string? text, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
            return IPAddress.Loopback;
        if (text.Trim() == "localhost")
            return IPAddress.Loopback;
        if (!IPAddress.TryParse(text.Trim(), out var address))
        {
            errors.Add(
                $"--bind / {BindKey} is '{text}'; give an IP address of this host (e.g. 10.0.0.5), or 127.0.0.1."
            );
            return null;
        }
        // The address is also advertised to other silos and clients, so it must name one interface.
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            errors.Add(
                $"--bind / {BindKey} is {address}, which cannot be advertised to other silos; give the IP address of "
                    + $"one interface."
            );
            return null;
        }
        return address;
    }

    private static TlsSettings? ReadTls(IConfiguration configuration, List<string> errors)
    {
        try
        {
            return TlsSettings.From(configuration);
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
            return null;
        }
    }

    private static int Port(IConfigurationSection section, string key, int fallback, string flag, List<string> errors)
    {
        string? text = section[key];
        if (text is null)
            return fallback;
        if (
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int port)
            && port is > 0 and < 65536
        )
            return port;
        errors.Add($"{flag} / Saei:{key} is '{text}'; set a port in 1..65535.");
        return fallback;
    }
}
