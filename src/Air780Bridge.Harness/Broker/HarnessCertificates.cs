using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Air780Bridge.Harness.Broker;

/// <summary>A throwaway CA with a server and a client certificate, made at start, or a server identity loaded from PEM.
/// The PEM bytes are what a test or rig hands to mqtt.create (ca, client cert, client key).</summary>
public sealed class HarnessCertificates : IDisposable
{
    private HarnessCertificates(X509Certificate2 ca, X509Certificate2 server, X509Certificate2? client)
    {
        Ca = ca;
        Server = server;
        Client = client;
    }

    public X509Certificate2 Ca { get; }
    public X509Certificate2 Server { get; }
    public X509Certificate2? Client { get; }

    public byte[] CaPem => Pem(Ca.ExportCertificatePem());
    public byte[] ClientCertificatePem => Pem((Client ?? throw NoClient()).ExportCertificatePem());
    public byte[] ClientKeyPem => Pem((Client ?? throw NoClient()).GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

    /// <summary>Generates CA, server certificate (SANs: localhost, 127.0.0.1, ::1 and <paramref name="publicHost"/>) and a client certificate.</summary>
    public static HarnessCertificates Generate(string? publicHost = null)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Air780Bridge harness CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var ca = caRequest.CreateSelfSigned(notBefore, notBefore.AddYears(5));

        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        if (publicHost is not null)
        {
            if (IPAddress.TryParse(publicHost, out var ip)) san.AddIpAddress(ip); else san.AddDnsName(publicHost);
        }
        var server = Issue(ca, caKey, $"CN={publicHost ?? "localhost"}", san.Build(), "1.3.6.1.5.5.7.3.1");
        var client = Issue(ca, caKey, "CN=air780 module", null, "1.3.6.1.5.5.7.3.2");
        return new HarnessCertificates(ca, server, client);
    }

    /// <summary>Loads a server certificate and key (and optionally the CA that signs client certificates) from PEM files.</summary>
    public static HarnessCertificates LoadPem(string certPath, string keyPath, string? caPath = null)
    {
        foreach (var path in new[] { certPath, keyPath, caPath })
            if (path is not null && !File.Exists(path)) throw new FileNotFoundException($"PEM file '{path}' not found; pass an existing certificate/key file", path);
        // Re-import as PKCS#12 so SslStream on Linux can use the private key.
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        var server = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var ca = caPath is null ? server : X509CertificateLoader.LoadCertificateFromFile(caPath);
        return new HarnessCertificates(ca, server, null);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string subject, X509Extension? san, string usageOid)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        if (san is not null) request.CertificateExtensions.Add(san);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), ca.NotBefore, ca.NotAfter.AddDays(-1), serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static byte[] Pem(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    private static InvalidOperationException NoClient() => new("no client certificate: these certificates were loaded from PEM files; only generated ones include a client identity");

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client?.Dispose();
    }
}
