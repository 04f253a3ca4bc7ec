namespace SaEI.Silo.Telemetry;

/// <summary>
/// "Saei:Metrics": the silo's OpenTelemetry export, off unless a Prometheus port or an OTLP endpoint is set
/// (flags --metrics-port, --metrics-bind, --otlp-endpoint). Validated by <see cref="MetricsOptionsValidator"/>.
/// </summary>
public sealed record MetricsOptions
{
    public const string Section = "Saei:Metrics";

    /// <summary>Port of the Prometheus scrape endpoint (<c>http://BIND:PORT/metrics</c>). Default unset: no endpoint.
    /// 9464 is OpenTelemetry's customary Prometheus port.</summary>
    public int? PrometheusPort { get; init; }

    /// <summary>Address the scrape endpoint listens on. Default 127.0.0.1 (this host only); another address needs
    /// <see cref="AllowRemote"/>, since the endpoint has no authentication.</summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>Explicit consent to serve the scrape endpoint beyond loopback. Default false.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>An OTLP collector (e.g. http://127.0.0.1:4317) that receives metrics and the step traces. Default
    /// unset: no export.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>OTLP transport: grpc (port 4317) or http/protobuf (port 4318). Default grpc.</summary>
    public string OtlpProtocol { get; init; } = "grpc";

    /// <summary>Whether any exporter is configured.</summary>
    public bool Enabled => PrometheusPort is not null || !string.IsNullOrWhiteSpace(OtlpEndpoint);
}

/// <summary>
/// "Saei:OrleansDashboard": the Orleans dashboard (grain statistics) served by the silo, off unless a port is set
/// (flag --orleans-dashboard-port). Validated by <see cref="OrleansDashboardOptionsValidator"/>.
/// </summary>
public sealed record OrleansDashboardOptions
{
    public const string Section = "Saei:OrleansDashboard";

    /// <summary>Port of the dashboard (<c>http://BIND:PORT/</c>). Default unset: no dashboard.</summary>
    public int? Port { get; init; }

    /// <summary>Address the dashboard listens on. Default 127.0.0.1; another address needs <see cref="AllowRemote"/>:
    /// the dashboard has no authentication and shows every grain's calls.</summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>Explicit consent to serve the dashboard beyond loopback. Default false.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Whether the dashboard is on.</summary>
    public bool Enabled => Port is not null;
}
