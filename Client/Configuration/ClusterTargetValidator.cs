using Microsoft.Extensions.Options;
using SaEI.Client.Commands;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Client.Configuration;

/// <summary>
/// <see cref="ClusterTarget"/>: a cluster id that keeps the id rule, a port in 1..65535, a timeout of 1 s or more,
/// and mutual TLS given as a pair (a certificate and the CA that signed the silos'). Every problem at once, each
/// naming the key (<see cref="ClientConfiguration.Describe"/>) and the value to set.
/// </summary>
public sealed class ClusterTargetValidator : IValidateOptions<ClusterTarget>
{
    public ValidateOptionsResult Validate(string? name, ClusterTarget options)
    {
        var errors = new List<string>();
        if (options.ClusterId is { } clusterId && Ids.Check(clusterId, "cluster id") is { } badId)
            errors.Add($"{ClientConfiguration.Describe(ClientConfiguration.ClusterIdKey)}: {badId}");
        if (options.GatewayPort is < 1 or > 65535)
            errors.Add(
                OptionsValidators.Problem(
                    ClientConfiguration.Describe(ClientConfiguration.GatewayPortKey),
                    options.GatewayPort,
                    "set a port in 1..65535"
                )
            );
        if (options.TimeoutSeconds < 1)
            errors.Add(
                OptionsValidators.Problem(
                    ClientConfiguration.Describe(ClientConfiguration.TimeoutKey),
                    options.TimeoutSeconds,
                    "set a whole number of seconds, 1 or more"
                )
            );
        if (options.TlsCertificate is null != options.TlsCa is null)
        {
            string missing = options.TlsCertificate is null ? TlsSettings.CertificateKey : TlsSettings.TrustedCaKey;
            string given = options.TlsCertificate is null ? TlsSettings.TrustedCaKey : TlsSettings.CertificateKey;
            errors.Add(
                $"{ClientConfiguration.Describe(missing)} is not set but {given} is; mutual TLS needs both: "
                    + "this client's certificate with its key and the CA that signed the silos' certificates."
            );
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
