using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace SaEI.Silo;

/// <summary>
/// Mutual TLS settings shared by silos and clients. A silo reads "Saei:Tls:*" (appsettings.json, environment
/// Saei__Tls__*, flags --tls-cert / --tls-ca); a client reads --tls-cert / --tls-ca; both fall back to the
/// environment variables SAEI_TLS_CERT, SAEI_TLS_CA, SAEI_TLS_THUMBPRINTS and take the key's password only from
/// SAEI_TLS_PASSWORD (or Saei:Tls:Password), so it never appears in a process listing.
/// </summary>
public sealed record TlsSettings
{
    public const string CertificateKey = "Saei:Tls:Certificate";
    public const string TrustedCaKey = "Saei:Tls:TrustedCa";
    public const string ThumbprintsKey = "Saei:Tls:AllowedThumbprints";
    public const string PasswordKey = "Saei:Tls:Password";
    public const string CertificateVariable = "SAEI_TLS_CERT";
    public const string TrustedCaVariable = "SAEI_TLS_CA";
    public const string ThumbprintsVariable = "SAEI_TLS_THUMBPRINTS";
    public const string PasswordVariable = "SAEI_TLS_PASSWORD";

    /// <summary>This side's certificate with its private key: a PKCS#12 file (.pfx/.p12) or PEM (certificate and key in
    /// one file).</summary>
    public required string CertificatePath { get; init; }

    /// <summary>Password of the PKCS#12 file or of an encrypted PEM key; null when the key is not encrypted.</summary>
    public string? Password { get; init; }

    /// <summary>PEM or DER file with the CA certificate(s) that must have signed the peer's certificate; null:
    /// thumbprints only.</summary>
    public string? TrustedCaPath { get; init; }

    /// <summary>SHA-256 fingerprints (hex, colons allowed) of the peer certificates allowed; empty: any the CA
    /// signed.</summary>
    public IReadOnlyList<string> AllowedThumbprints { get; init; } = [];

    /// <summary>
    /// The settings from configuration (keys above) or the environment; null when no certificate is configured.
    /// Throws <see cref="ArgumentException"/> when a certificate is set but nothing says which peers to trust.
    /// </summary>
    public static TlsSettings? From(
        IConfiguration configuration,
        string certificateFlag = "--tls-cert",
        string caFlag = "--tls-ca"
    ) =>
        From(
            configuration[CertificateKey],
            configuration[TrustedCaKey],
            configuration[ThumbprintsKey],
            configuration[PasswordKey],
            certificateFlag,
            caFlag
        );

    /// <summary>The settings from explicit values, each falling back to its environment variable.</summary>
    public static TlsSettings? From(
        string? certificate,
        string? trustedCa,
        string? thumbprints,
        string? password,
        string certificateFlag = "--tls-cert",
        string caFlag = "--tls-ca"
    )
    {
        certificate = Blank(certificate) ?? Blank(Environment.GetEnvironmentVariable(CertificateVariable));
        trustedCa = Blank(trustedCa) ?? Blank(Environment.GetEnvironmentVariable(TrustedCaVariable));
        thumbprints = Blank(thumbprints) ?? Blank(Environment.GetEnvironmentVariable(ThumbprintsVariable));
        if (certificate is null)
        {
            if (trustedCa is not null || thumbprints is not null)
                throw new ArgumentException(
                    $"a trusted CA or thumbprints are set but no certificate; set {certificateFlag} / "
                        + $"{CertificateKey} / {CertificateVariable} to this side's certificate (mutual TLS needs one "
                        + $"on both sides)."
                );
            return null;
        }
        var allowed = (thumbprints ?? "")
            .Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(Normalize)
            .ToList();
        if (allowed.FirstOrDefault(t => t.Length != 64 || !t.All(Uri.IsHexDigit)) is { } bad)
            throw new ArgumentException(
                $"{ThumbprintsKey} / {ThumbprintsVariable} has '{bad}', not a SHA-256 fingerprint; give 64 hex "
                    + $"digits each (`openssl x509 -noout -fingerprint -sha256 -in peer.pem`)."
            );
        if (trustedCa is null && allowed.Count == 0)
            throw new ArgumentException(
                $"TLS has a certificate but nothing to trust peers by; set {caFlag} / {TrustedCaKey} / "
                    + $"{TrustedCaVariable} to the CA file, or {ThumbprintsKey} / {ThumbprintsVariable}."
            );
        return new TlsSettings
        {
            CertificatePath = certificate,
            Password = Blank(password) ?? Blank(Environment.GetEnvironmentVariable(PasswordVariable)),
            TrustedCaPath = trustedCa,
            AllowedThumbprints = allowed,
        };
    }

    /// <summary>Loads the files; throws <see cref="ArgumentException"/> naming the setting, the file and what is
    /// wrong.</summary>
    public MutualTls Load()
    {
        var certificate = LoadOwn();
        var authorities = new X509Certificate2Collection();
        if (TrustedCaPath is { } ca)
        {
            RequireFile(ca, TrustedCaKey);
            try
            {
                if (File.ReadAllText(ca).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
                    authorities.ImportFromPemFile(ca);
                else
                    authorities.Add(X509CertificateLoader.LoadCertificateFromFile(ca));
            }
            catch (CryptographicException e)
            {
                throw new ArgumentException(
                    $"{TrustedCaKey}: '{ca}' is not a PEM or DER certificate ({e.Message}).",
                    e
                );
            }
            if (authorities.Count == 0)
                throw new ArgumentException($"{TrustedCaKey}: '{ca}' holds no certificate.");
        }
        return new MutualTls(certificate, authorities, AllowedThumbprints);
    }

    private X509Certificate2 LoadOwn()
    {
        string path = CertificatePath;
        RequireFile(path, CertificateKey);
        X509Certificate2 certificate;
        try
        {
            string text = File.ReadAllText(path);
            bool pem = text.Contains("-----BEGIN", StringComparison.Ordinal);
            if (pem && !text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                throw new ArgumentException(
                    $"{CertificateKey}: '{path}' has no private key; TLS needs the certificate together with its key "
                        + $"(append the key's PEM to the file, or use a PKCS#12 file)."
                );
            certificate =
                !pem ? X509CertificateLoader.LoadPkcs12FromFile(path, Password)
                : Password is null ? X509Certificate2.CreateFromPemFile(path)
                : X509Certificate2.CreateFromEncryptedPemFile(path, Password);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException(
                $"{CertificateKey}: cannot read '{path}' ({e.Message}); give a PKCS#12 file with its password in "
                    + $"{PasswordVariable}, or a PEM file holding the certificate and its private key.",
                e
            );
        }
        if (!certificate.HasPrivateKey)
            throw new ArgumentException(
                $"{CertificateKey}: '{path}' has no private key; TLS needs the certificate together with its key."
            );
        return certificate;
    }

    private static void RequireFile(string path, string key)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"{key}: '{path}' is not a file; give the path of a certificate file.");
    }

    private static string Normalize(string thumbprint) =>
        thumbprint.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
