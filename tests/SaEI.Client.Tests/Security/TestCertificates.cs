using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SaEI.Client.Tests.Security;

/// <summary>
/// A throw-away certificate authority and the certificates it issues, written to a temporary folder for the test's
/// lifetime (nothing is checked in). Leaf certificates carry both TLS usages, as silos are servers to clients and
/// to other silos and clients to other silos.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public TestCertificates(string name)
    {
        Folder = Directory.CreateTempSubdirectory("saei-tls-").FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(
            new X509BasicConstraintsExtension(
                certificateAuthority: true,
                hasPathLengthConstraint: true,
                pathLengthConstraint: 0,
                critical: true
            )
        );
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true)
        );
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        AuthorityPem = Path.Combine(Folder, $"{name}-ca.pem");
        File.WriteAllText(AuthorityPem, Authority.ExportCertificatePem());
    }

    public string Folder { get; }

    public X509Certificate2 Authority { get; }

    /// <summary>The CA certificate (no key) as PEM: what --tls-ca points at.</summary>
    public string AuthorityPem { get; }

    /// <summary>Issues a leaf certificate and writes it as PEM (certificate and unencrypted key); returns the
    /// path.</summary>
    public string IssuePem(string name) => Write(Issue(name), name, password: null);

    /// <summary>Issues a leaf certificate and writes it as a password-protected PKCS#12 file; returns the
    /// path.</summary>
    public string IssuePfx(string name, string password) => Write(Issue(name), name, password);

    public void Dispose()
    {
        Authority.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    private X509Certificate2 Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(
            new X509BasicConstraintsExtension(
                certificateAuthority: false,
                hasPathLengthConstraint: false,
                pathLengthConstraint: 0,
                critical: true
            )
        );
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true)
        );
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(
                Authority,
                includeKeyIdentifier: true,
                includeIssuerAndSerial: false
            )
        );
        using var certificate = request.Create(
            Authority,
            DateTimeOffset.UtcNow.AddHours(-1),
            DateTimeOffset.UtcNow.AddDays(1),
            RandomNumberGenerator.GetBytes(16)
        );
        return certificate.CopyWithPrivateKey(key);
    }

    private string Write(X509Certificate2 certificate, string name, string? password)
    {
        using (certificate)
        {
            if (password is not null)
            {
                string pfx = Path.Combine(Folder, $"{name}.pfx");
                File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, password));
                return pfx;
            }
            string pem = Path.Combine(Folder, $"{name}.pem");
            using var key = certificate.GetECDsaPrivateKey()!;
            File.WriteAllText(pem, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
            return pem;
        }
    }
}
