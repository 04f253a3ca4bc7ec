using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SaEI.Client.Commands;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Client.Configuration;

/// <summary>
/// The client's configuration root, layered as the silo's (later wins): appsettings.json beside saei.dll →
/// environment (<c>Saei__Key__Sub</c> is <c>Saei:Key:Sub</c>) → flags. The keys are the silo's where the meaning is the
/// same (<c>Saei:ClusterId</c>, <c>Saei:GatewayPort</c>, <c>Saei:Storage</c>, <c>Saei:Tls:*</c>), so one
/// appsettings.json or one environment serves both; the client's own key is <c>Saei:Client:TimeoutSeconds</c>.
/// Decisions:
/// 1. The old variables (<see cref="DeprecatedVariables"/>) are read for one more release, below the
///    <c>Saei__</c> environment (the new name wins when both are set), each with a one-line deprecation warning.
/// 2. Every value is checked before anything connects: text that is not a number and each options class's
///    validator (<see cref="ClusterTargetValidator"/>, <see cref="ClientStorageOptionsValidator"/>) report into one
///    list, so <see cref="InvalidConfigurationException"/> names every problem at once (exit 2).
/// </summary>
public static class ClientConfiguration
{
    public const string ClusterIdKey = "Saei:ClusterId";
    public const string GatewayPortKey = "Saei:GatewayPort";
    public const string TimeoutKey = "Saei:Client:TimeoutSeconds";
    public const string StorageKey = "Saei:Storage";

    /// <summary>Environment variables read for one more release, and the keys that replace them.</summary>
    public static IReadOnlyDictionary<string, string> DeprecatedVariables { get; } =
        new Dictionary<string, string>
        {
            [LocalStorage.ConnectionStringVariable] = StorageKey,
            ["SAEI_CLUSTER_ID"] = ClusterIdKey,
            [TlsSettings.CertificateVariable] = TlsSettings.CertificateKey,
            [TlsSettings.TrustedCaVariable] = TlsSettings.TrustedCaKey,
        };

    /// <summary>A key as a user names it: the key, its environment form and its flag (when it has one).</summary>
    public static string Describe(string key) =>
        key switch
        {
            ClusterIdKey => $"{key} (Saei__ClusterId, --cluster-id)",
            GatewayPortKey => $"{key} (Saei__GatewayPort, --gateway-port)",
            TimeoutKey => $"{key} (Saei__Client__TimeoutSeconds, --timeout)",
            TlsSettings.CertificateKey => $"{key} (Saei__Tls__Certificate, --tls-cert)",
            TlsSettings.TrustedCaKey => $"{key} (Saei__Tls__TrustedCa, --tls-ca)",
            _ => $"{key} ({key.Replace(":", "__", StringComparison.Ordinal)})",
        };

    /// <summary>
    /// The configuration of this process: appsettings.json beside saei.dll, the process environment and
    /// <paramref name="flags"/>; deprecation warnings go to <paramref name="warnings"/>.
    /// </summary>
    public static ClientSettings Load(IReadOnlyDictionary<string, string?> flags, TextWriter warnings) =>
        Load(
            Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
            Environment.GetEnvironmentVariables(),
            flags,
            warnings
        );

    /// <summary>
    /// The configuration from <paramref name="appsettings"/> (optional file), <paramref name="environment"/> and
    /// <paramref name="flags"/> (keys as above); throws <see cref="InvalidConfigurationException"/> with every problem.
    /// </summary>
    public static ClientSettings Load(
        string? appsettings,
        IDictionary environment,
        IReadOnlyDictionary<string, string?> flags,
        TextWriter warnings
    )
    {
        var configuration = Build(appsettings, environment, flags, warnings);
        var problems = new List<string>();
        var cluster = new ClusterTarget
        {
            ClusterId = Text(configuration, ClusterIdKey),
            GatewayPort = Number(
                configuration,
                GatewayPortKey,
                ClusterTarget.DefaultGatewayPort,
                "a port in 1..65535",
                problems
            ),
            TimeoutSeconds = Number(
                configuration,
                TimeoutKey,
                ClusterConnection.DefaultTimeoutSeconds,
                "a whole number of seconds, 1 or more",
                problems
            ),
            TlsCertificate = Text(configuration, TlsSettings.CertificateKey),
            TlsCa = Text(configuration, TlsSettings.TrustedCaKey),
        };
        var storage = new ClientStorageOptions { ConnectionString = Text(configuration, StorageKey) };
        Validate(new ClusterTargetValidator(), cluster, problems);
        Validate(new ClientStorageOptionsValidator(), storage, problems);
        if (problems.Count > 0)
            throw new InvalidConfigurationException(problems);
        return new ClientSettings(cluster with { StorageConnectionString = storage.Resolved }, storage);
    }

    /// <summary>The layers, lowest first: appsettings.json, deprecated variables, Saei__ variables, flags.</summary>
    public static IConfiguration Build(
        string? appsettings,
        IDictionary environment,
        IReadOnlyDictionary<string, string?> flags,
        TextWriter warnings
    )
    {
        var builder = new ConfigurationBuilder();
        if (appsettings is not null && File.Exists(appsettings))
            builder.AddJsonFile(appsettings, optional: true);
        var deprecated = new Dictionary<string, string?>();
        var current = new Dictionary<string, string?>();
        foreach (DictionaryEntry entry in environment)
        {
            string name = (string)entry.Key;
            string? value = entry.Value as string;
            if (DeprecatedVariables.TryGetValue(name, out string? key) && !string.IsNullOrWhiteSpace(value))
            {
                deprecated[key] = value;
                warnings.WriteLine(
                    $"saei: {name} is deprecated and read for this release only; set "
                        + $"{key.Replace(":", "__", StringComparison.Ordinal)} instead."
                );
            }
            else if (name.StartsWith("Saei__", StringComparison.OrdinalIgnoreCase))
            {
                current[name.Replace("__", ":", StringComparison.Ordinal)] = value;
            }
        }
        builder.AddInMemoryCollection(deprecated);
        builder.AddInMemoryCollection(current);
        builder.AddInMemoryCollection(flags.Where(f => f.Value is not null));
        return builder.Build();
    }

    private static string? Text(IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();

    private static int Number(
        IConfiguration configuration,
        string key,
        int fallback,
        string expected,
        List<string> problems
    )
    {
        if (Text(configuration, key) is not { } text)
            return fallback;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            return value;
        problems.Add(OptionsValidators.Problem(Describe(key), $"'{text}'", $"set {expected}"));
        return fallback;
    }

    private static void Validate<T>(IValidateOptions<T> validator, T options, List<string> problems)
        where T : class
    {
        var result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
            problems.AddRange(result.Failures);
    }
}

/// <summary>The client's validated configuration.</summary>
public sealed record ClientSettings(ClusterTarget Cluster, ClientStorageOptions Storage);

/// <summary>Invalid client configuration: every problem, each naming its key and the fix (exit 2).</summary>
public sealed class InvalidConfigurationException(IReadOnlyList<string> problems)
    : UserFacingException(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
