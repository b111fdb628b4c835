using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Mqtt;

namespace Air780Bridge.Twin.Tests.Mqtt;

public class TlsTests
{
    static (X509Certificate2 ca, X509Certificate2 server) MakeCertificates(string caName)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        using var signed = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        // Re-import through PKCS#12 so SslStream can use the key on every platform.
        var server = X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pfx), null);
        return (ca, server);
    }

    static byte[] Pem(X509Certificate2 cert) => Encoding.ASCII.GetBytes(cert.ExportCertificatePem());

    /// <summary>One TLS session: handshake, read CONNECT, answer CONNACK 0.</summary>
    static async Task ServeOnceAsync(TcpListener listener, X509Certificate2 serverCert)
    {
        using var tcp = await listener.AcceptTcpClientAsync();
        using var ssl = new SslStream(tcp.GetStream());
        try
        {
            await ssl.AuthenticateAsServerAsync(serverCert);
            var header = new byte[2];
            await ssl.ReadExactlyAsync(header);
            await ssl.ReadExactlyAsync(new byte[header[1]]);
            await ssl.WriteAsync(new byte[] { 0x20, 2, 0, 0 });
            await ssl.ReadAtLeastAsync(new byte[16], 1, throwOnEndOfStream: false); // hold the session until the client leaves
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { }
    }

    static async Task<ClientProbe> ConnectAsync(MqttTlsOptions tls, X509Certificate2 serverCert)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = ServeOnceAsync(listener, serverCert);
        var probe = new ClientProbe(FirmwareProfile.Air780eV1120, ((IPEndPoint)listener.LocalEndpoint).Port, tls: tls, host: "localhost");
        probe.Client.Auth(Encoding.ASCII.GetBytes("tls"), null, null, true);
        probe.Client.Connect();
        probe.Bus.PumpUntil(() => probe.Names.Contains("conack") || probe.Names.Contains("close"));
        probe.Client.Close();
        listener.Stop();
        await serving.WaitAsync(TimeSpan.FromSeconds(15));
        return probe;
    }

    [Fact]
    public async Task Ssl_true_connects_without_verification()
    {
        var (_, server) = MakeCertificates("Twin Test CA");
        var probe = await ConnectAsync(new MqttTlsOptions(null, null, null, null, 0), server);
        Assert.Contains("conack", probe.Names);
    }

    [Fact]
    public async Task Verify_required_accepts_the_right_ca_and_rejects_a_wrong_one()
    {
        var (ca, server) = MakeCertificates("Twin Test CA");
        var (otherCa, _) = MakeCertificates("Other CA");
        Assert.Contains("conack", (await ConnectAsync(new MqttTlsOptions(Pem(ca), null, null, null, 2), server)).Names);
        var rejected = await ConnectAsync(new MqttTlsOptions(Pem(otherCa), null, null, null, 2), server);
        Assert.Equal(["error", "disconnect", "close"], rejected.Names);
    }

    [Fact]
    public async Task Verify_optional_connects_even_with_a_wrong_ca()
    {
        var (_, server) = MakeCertificates("Twin Test CA");
        var (otherCa, _) = MakeCertificates("Other CA");
        Assert.Contains("conack", (await ConnectAsync(new MqttTlsOptions(Pem(otherCa), null, null, null, 1), server)).Names);
    }
}
