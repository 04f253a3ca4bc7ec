using System.Globalization;
using Microsoft.Extensions.Configuration;
using SaEI.Grains.Storage;

namespace SaEI.Silo;

/// <summary>What a silo does: control (experiments, runs, leaderboards), gpu (a worker that executes runs), or all.</summary>
public enum SiloRole
{
    All,
    Control,
    Gpu,
}

/// <summary>
/// A silo's settings, from (later wins) appsettings.json, environment (Saei__Role, ...; SAEI_STORAGE for the storage
/// connection string) and flags (--role, --cluster-id, --port, --gateway-port, --slots, --step-ms). The local default
/// needs nothing but Azurite: one silo, role all, localhost clustering, Azurite on 127.0.0.1.
/// </summary>
public sealed record SiloSettings
{
    /// <summary>Flags and the configuration keys they set.</summary>
    public static IReadOnlyDictionary<string, string> Flags { get; } = new Dictionary<string, string>
    {
        ["--role"] = "Saei:Role",
        ["--cluster-id"] = "Saei:ClusterId",
        ["--port"] = "Saei:SiloPort",
        ["--gateway-port"] = "Saei:GatewayPort",
        ["--slots"] = "Saei:Worker:Slots",
        ["--step-ms"] = "Saei:Simulation:StepMilliseconds",
        ["--name"] = "Saei:SiloName",
    };

    public SiloRole Role { get; init; } = SiloRole.All;

    /// <summary>Null: one local silo with localhost clustering. Set: Azure Table clustering under this cluster id.</summary>
    public string? ClusterId { get; init; }

    /// <summary>Silo-to-silo port. Default 11111 (Orleans).</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Client gateway port. Default 30000 (Orleans).</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The storage connection string; never logged (see <see cref="StorageDescription"/>).</summary>
    public required string StorageConnectionString { get; init; }

    public bool RunsWorker => Role is SiloRole.All or SiloRole.Gpu;

    /// <summary>Reads the settings; throws <see cref="ArgumentException"/> naming each bad key and what to set.</summary>
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
        if (clusterId is not null && Ids.Check(clusterId, "cluster id") is { } badCluster) errors.Add($"--cluster-id: {badCluster}");
        string? storage = section["Storage"] ?? Environment.GetEnvironmentVariable(LocalStorage.ConnectionStringVariable);
        if (errors.Count > 0) throw new ArgumentException("invalid silo settings: " + string.Join(" ", errors));
        return new SiloSettings
        {
            Role = role,
            ClusterId = string.IsNullOrWhiteSpace(clusterId) ? null : clusterId,
            SiloPort = siloPort,
            GatewayPort = gatewayPort,
            StorageConnectionString = string.IsNullOrWhiteSpace(storage) ? LocalStorage.AzuriteConnectionString() : storage,
        };
    }

    /// <summary>Flags the silo accepts; throws naming an unknown one.</summary>
    public static void CheckFlags(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) continue;
            string flag = args[i].Split('=')[0];
            if (!Flags.ContainsKey(flag))
                throw new ArgumentException($"unknown flag '{flag}'; the silo accepts {string.Join(", ", Flags.Keys)}.");
            if (!args[i].Contains('=', StringComparison.Ordinal) && (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
                throw new ArgumentException($"flag '{flag}' needs a value.");
        }
    }

    private static int Port(IConfigurationSection section, string key, int fallback, string flag, List<string> errors)
    {
        string? text = section[key];
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536) return port;
        errors.Add($"{flag} / Saei:{key} is '{text}'; set a port in 1..65535.");
        return fallback;
    }
}
