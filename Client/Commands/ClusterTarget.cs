using System.CommandLine;

namespace SaEI.Client.Commands;

/// <summary>
/// Which cluster a verb talks to and how: <c>--cluster-id</c> (or SAEI_CLUSTER_ID) finds the silos through storage;
/// otherwise the local silo's gateway on <c>--gateway-port</c>. <c>--timeout</c> bounds the wait; <c>--tls-cert</c>
/// and <c>--tls-ca</c> (or SAEI_TLS_CERT, SAEI_TLS_CA) for a cluster with mutual TLS.
/// </summary>
public sealed record ClusterTarget
{
    public const int DefaultGatewayPort = 30000;

    public string? ClusterId { get; init; }

    public int GatewayPort { get; init; } = DefaultGatewayPort;

    public int TimeoutSeconds { get; init; } = ClusterConnection.DefaultTimeoutSeconds;

    public string? TlsCertificate { get; init; }

    public string? TlsCa { get; init; }
}

/// <summary>The options every cluster verb takes (<see cref="ClusterTarget"/>), declared once.</summary>
public sealed class ConnectionOptions
{
    private readonly Option<string?> clusterId = VerbOptions.Text("--cluster-id", "ID",
        "The cluster, found through Azure Table storage (SAEI_STORAGE); or SAEI_CLUSTER_ID. " +
        "Default: the local silo's gateway.");

    private readonly Option<int?> gatewayPort = VerbOptions.PositiveInt("--gateway-port", "N",
        $"The local silo's gateway port [default: {ClusterTarget.DefaultGatewayPort}].");

    private readonly Option<int?> timeout = VerbOptions.PositiveInt("--timeout", "SECONDS",
        "Give up when the cluster does not answer within this many seconds, counted from the process start " +
        $"[default: {ClusterConnection.DefaultTimeoutSeconds}].");

    private readonly Option<string?> tlsCertificate = VerbOptions.Text("--tls-cert", "FILE",
        "This client's certificate and key for a cluster with mutual TLS (or SAEI_TLS_CERT; password in " +
        "SAEI_TLS_PASSWORD).");

    private readonly Option<string?> tlsCa = VerbOptions.Text("--tls-ca", "FILE",
        "The CA the silos' certificates chain to (or SAEI_TLS_CA).");

    /// <summary>Adds the options to <paramref name="command"/>; returns them for <see cref="Read"/>.</summary>
    public static ConnectionOptions AddTo(Command command)
    {
        var options = new ConnectionOptions();
        foreach (Option option in new Option[] { options.clusterId, options.gatewayPort, options.timeout,
            options.tlsCertificate, options.tlsCa })
            command.Options.Add(option);
        return options;
    }

    public ClusterTarget Read(ParseResult parse) => new()
    {
        ClusterId = parse.GetValue(clusterId),
        GatewayPort = parse.GetValue(gatewayPort) ?? ClusterTarget.DefaultGatewayPort,
        TimeoutSeconds = parse.GetValue(timeout) ?? ClusterConnection.DefaultTimeoutSeconds,
        TlsCertificate = parse.GetValue(tlsCertificate),
        TlsCa = parse.GetValue(tlsCa),
    };
}
