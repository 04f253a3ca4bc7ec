using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace SaEI.Silo;

/// <summary>
/// Mutual TLS for silo-to-silo and client-to-gateway connections: each side presents its certificate and accepts a
/// peer only when the peer's certificate chains to a pinned CA (and, when set, its SHA-256 fingerprint is allowed).
/// Decisions:
/// 1. The system trust store is never consulted: a certificate from a public CA is not a member of this cluster.
/// 2. Host names are not checked: silos are addressed by IP and advertise themselves through the membership table;
///    possession of a key the cluster's CA signed is the identity.
/// 3. Revocation is not checked (a private CA usually has no CRL endpoint); rotate the CA to revoke.
/// </summary>
public sealed class MutualTls(
    X509Certificate2 certificate,
    X509Certificate2Collection authorities,
    IReadOnlyList<string> allowedThumbprints
)
{
    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>Fills Orleans' TLS options: this side's certificate, a required peer certificate, our
    /// validation.</summary>
    public void Configure(TlsOptions options)
    {
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.CheckCertificateRevocation = false;
        options.RemoteCertificateValidation = IsTrusted;
    }

    /// <summary>True when <paramref name="peer"/> is allowed by fingerprint (if any) and chains to a pinned CA (if
    /// any).</summary>
    public bool IsTrusted(X509Certificate2 peer, X509Chain? presented, SslPolicyErrors errors)
    {
        if (
            allowedThumbprints.Count > 0
            && !allowedThumbprints.Contains(peer.GetCertHashString(HashAlgorithmName.SHA256))
        )
            return false;
        if (authorities.Count == 0)
            return true;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the peer sent may complete the chain; they are not trusted by themselves.
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (element.Certificate.Thumbprint != peer.Thumbprint)
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(peer);
    }
}
