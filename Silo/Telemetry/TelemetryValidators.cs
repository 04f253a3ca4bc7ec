using System.Net;
using Microsoft.Extensions.Options;

namespace SaEI.Silo.Telemetry;

/// <summary>"Saei:Metrics" (<see cref="OptionsValidators"/> style: every problem, each naming the key and the
/// fix).</summary>
public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        const string S = MetricsOptions.Section;
        var errors = new List<string>();
        if (options.PrometheusPort is { } port and not (> 0 and < 65536))
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:PrometheusPort",
                    port,
                    "set a port in 1..65535 (--metrics-port), e.g. 9464, or leave it unset for no endpoint"
                )
            );
        if (options.PrometheusPort is not null)
            TelemetryBind.Check(
                $"{S}:Bind",
                options.Bind,
                options.AllowRemote,
                $"{S}:AllowRemote",
                "--metrics-bind",
                "the scrape endpoint",
                errors
            );
        if (
            !string.IsNullOrWhiteSpace(options.OtlpEndpoint)
            && !(Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        )
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:OtlpEndpoint",
                    $"'{options.OtlpEndpoint}'",
                    "set the collector's http:// or https:// URL (--otlp-endpoint), e.g. http://127.0.0.1:4317"
                )
            );
        if (options.OtlpProtocol is not ("grpc" or "http/protobuf"))
            errors.Add(
                OptionsValidators.Problem($"{S}:OtlpProtocol", $"'{options.OtlpProtocol}'", "set grpc or http/protobuf")
            );
        return OptionsValidators.Result(errors);
    }
}

/// <summary>"Saei:OrleansDashboard".</summary>
public sealed class OrleansDashboardOptionsValidator : IValidateOptions<OrleansDashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansDashboardOptions options)
    {
        const string S = OrleansDashboardOptions.Section;
        var errors = new List<string>();
        if (options.Port is { } port and not (> 0 and < 65536))
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:Port",
                    port,
                    "set a port in 1..65535 (--orleans-dashboard-port), e.g. 8080, or leave it unset for no dashboard"
                )
            );
        if (options.Port is not null)
            TelemetryBind.Check(
                $"{S}:Bind",
                options.Bind,
                options.AllowRemote,
                $"{S}:AllowRemote",
                "--orleans-dashboard-bind",
                "the Orleans dashboard",
                errors
            );
        return OptionsValidators.Result(errors);
    }
}

/// <summary>The listen address of an unauthenticated HTTP endpoint: loopback, or another only with consent.
/// </summary>
internal static class TelemetryBind
{
    /// <summary>The address of <paramref name="text"/> ("localhost" is 127.0.0.1); null when it is not one.</summary>
    public static IPAddress? Parse(string text) =>
        text.Trim() == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(text.Trim(), out var address) ? address
        : null;

    public static void Check(
        string key,
        string bind,
        bool allowRemote,
        string consentKey,
        string flag,
        string what,
        List<string> errors
    )
    {
        var address = Parse(bind);
        if (address is null)
            errors.Add(
                OptionsValidators.Problem(key, $"'{bind}'", $"give an IP address of this host ({flag}), e.g. 127.0.0.1")
            );
        else if (!IPAddress.IsLoopback(address) && !allowRemote)
            errors.Add(
                OptionsValidators.Problem(
                    key,
                    address,
                    $"beyond loopback, and {what} has no authentication: anyone who can reach the port can read it. "
                        + $"Set {consentKey}=true to serve it there anyway (behind a firewall or proxy), or bind "
                        + $"127.0.0.1"
                )
            );
    }

    /// <summary>The URL host part of an address (IPv6 in brackets, the any-address as '+' for HttpListener).</summary>
    public static string UrlHost(IPAddress address, bool anyAsPlus) =>
        anyAsPlus && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) ? "+"
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]"
        : address.ToString();
}
