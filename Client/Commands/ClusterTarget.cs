using System.CommandLine;
using System.Globalization;
using SaEI.Client.Configuration;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>
/// Which cluster a verb talks to and how, an options class of the client's configuration root
/// (<see cref="ClientConfiguration"/>, validated by <see cref="ClusterTargetValidator"/>): <c>--cluster-id</c>
/// (Saei:ClusterId) finds the silos through storage; otherwise the local silo's gateway on <c>--gateway-port</c>
/// (Saei:GatewayPort). <c>--timeout</c> (Saei:Client:TimeoutSeconds) bounds the wait; <c>--tls-cert</c> and
/// <c>--tls-ca</c> (Saei:Tls:Certificate, Saei:Tls:TrustedCa) for a cluster with mutual TLS.
/// </summary>
public sealed record ClusterTarget
{
    public const int DefaultGatewayPort = 30000;

    public string? ClusterId { get; init; }

    public int GatewayPort { get; init; } = DefaultGatewayPort;

    public int TimeoutSeconds { get; init; } = ClusterConnection.DefaultTimeoutSeconds;

    public string? TlsCertificate { get; init; }

    public string? TlsCa { get; init; }

    /// <summary>
    /// The storage the cluster is found through and a sweep's files are read from (<see cref="ClientStorageOptions"/>);
    /// null: SAEI_STORAGE or the local Azurite (a caller that builds the target itself, as tests do).
    /// </summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>The storage to use: <see cref="StorageConnectionString"/> when set.</summary>
    public string Storage => StorageConnectionString ?? LocalStorage.ResolveConnectionString();
}

/// <summary>The options every cluster verb takes (<see cref="ClusterTarget"/>), declared once.</summary>
public sealed class ConnectionOptions
{
    private readonly Option<string?> clusterId = VerbOptions.Text(
        "--cluster-id",
        "ID",
        "The cluster, found through Azure Table storage (Saei__Storage); or Saei__ClusterId. "
            + "Default: the local silo's gateway."
    );

    private readonly Option<int?> gatewayPort = VerbOptions.PositiveInt(
        "--gateway-port",
        "N",
        $"The local silo's gateway port (or Saei__GatewayPort) [default: {ClusterTarget.DefaultGatewayPort}]."
    );

    private readonly Option<int?> timeout = VerbOptions.PositiveInt(
        "--timeout",
        "SECONDS",
        "Give up when the cluster does not answer within this many seconds, counted from the process start "
            + $"(or Saei__Client__TimeoutSeconds) [default: {ClusterConnection.DefaultTimeoutSeconds}]."
    );

    private readonly Option<string?> tlsCertificate = VerbOptions.Text(
        "--tls-cert",
        "FILE",
        "This client's certificate and key for a cluster with mutual TLS (or Saei__Tls__Certificate; password in "
            + "SAEI_TLS_PASSWORD)."
    );

    private readonly Option<string?> tlsCa = VerbOptions.Text(
        "--tls-ca",
        "FILE",
        "The CA the silos' certificates chain to (or Saei__Tls__TrustedCa)."
    );

    /// <summary>Adds the options to <paramref name="command"/>; returns them for <see cref="Read"/>.</summary>
    public static ConnectionOptions AddTo(Command command)
    {
        var options = new ConnectionOptions();
        foreach (
            Option option in new Option[]
            {
                options.clusterId,
                options.gatewayPort,
                options.timeout,
                options.tlsCertificate,
                options.tlsCa,
            }
        )
            command.Options.Add(option);
        return options;
    }

    /// <summary>
    /// The target from the client's configuration root with these flags on top; deprecation warnings go to the
    /// verb's error writer. Throws <see cref="InvalidConfigurationException"/> (exit 2) naming every bad setting.
    /// </summary>
    public ClusterTarget Read(ParseResult parse) =>
        ClientConfiguration.Load(Flags(parse), parse.InvocationConfiguration.Error).Cluster;

    /// <summary>The flags given, as configuration keys.</summary>
    public Dictionary<string, string?> Flags(ParseResult parse) =>
        new()
        {
            [ClientConfiguration.ClusterIdKey] = parse.GetValue(clusterId),
            [ClientConfiguration.GatewayPortKey] = Invariant(parse.GetValue(gatewayPort)),
            [ClientConfiguration.TimeoutKey] = Invariant(parse.GetValue(timeout)),
            [TlsSettings.CertificateKey] = parse.GetValue(tlsCertificate),
            [TlsSettings.TrustedCaKey] = parse.GetValue(tlsCa),
        };

    private static string? Invariant(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
