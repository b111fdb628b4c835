using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Air780Bridge.Twin.Mqtt;

/// <summary>
/// The socket edge of the emulated client: TCP (+TLS) connect, a read loop handing chunks of at most 1024
/// bytes to the client (as luat_mqtt_read_packet reads), and synchronous sends. No MQTT logic here.
/// </summary>
internal sealed class MqttConnection : IDisposable
{
    const int ChunkSize = 1024;
    readonly TcpClient _tcp;
    readonly Stream _stream;
    readonly object _sendGate = new();
    int _disposed;
    int _handling; // 1 while a received chunk is being handed to the client

    MqttConnection(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    /// <summary>True when the stream runs over TLS.</summary>
    public bool IsTls => _stream is SslStream;

    /// <summary>Resolves, connects to each address in turn (as the firmware tries every DNS result), then TLS.</summary>
    public static async Task<MqttConnection> OpenAsync(string host, int port, MqttTlsSettings? tls, bool preferIpv6, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var ordered = addresses.OrderBy(a => (a.AddressFamily == AddressFamily.InterNetworkV6) == preferIpv6 ? 0 : 1).ToArray();
        if (ordered.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        Exception? last = null;
        foreach (var address in ordered)
        {
            var tcp = new TcpClient(address.AddressFamily) { NoDelay = true };
            try
            {
                await tcp.ConnectAsync(address, port, ct);
                if (tls is null) return new MqttConnection(tcp, tcp.GetStream());
                var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, tls.Validate);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
                }, ct);
                return new MqttConnection(tcp, ssl);
            }
            catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
            {
                tcp.Dispose();
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>Reads until the peer closes or the connection is disposed, then calls <paramref name="onClosed"/> once.</summary>
    public async Task ReadLoopAsync(Action<byte[]> onChunk, Action onClosed)
    {
        var chunk = new byte[ChunkSize];
        try
        {
            while (true)
            {
                var n = await _stream.ReadAsync(chunk);
                if (n == 0) break;
                Volatile.Write(ref _handling, 1);
                try { onChunk(chunk[..n]); }
                finally { Volatile.Write(ref _handling, 0); }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { }
        onClosed();
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until every byte the socket already holds has been handed to
    /// the client: nothing unread in the kernel and no chunk being handled. The caller must not hold the client's lock.</summary>
    public void WaitReceiveIdle(TimeSpan limit)
    {
        var until = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        var spin = new SpinWait();
        var idleSeen = 0;
        while (Volatile.Read(ref _disposed) == 0 && Environment.TickCount64 < until)
        {
            int available;
            try { available = _tcp.Available; }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { return; }
            var idle = available == 0 && Volatile.Read(ref _handling) == 0;
            // Bytes the read loop has taken from the kernel but whose continuation has not yet set _handling look idle
            // for a moment: idle counts only when seen again a millisecond later.
            if (idle && ++idleSeen == 2) return;
            if (idle) { Thread.Sleep(1); continue; }
            idleSeen = 0;
            spin.SpinOnce();
        }
    }

    /// <summary>network_tx: false when the socket is gone or the write fails.</summary>
    public bool Send(byte[] packet)
    {
        if (Volatile.Read(ref _disposed) != 0) return false;
        try
        {
            lock (_sendGate) _stream.Write(packet);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Force-close (RST-free but immediate), as the firmware's force close of the socket.
        _stream.Dispose();
        _tcp.Dispose();
    }
}

/// <summary>Parsed TLS settings: certificates are parsed at mqtt.create so a bad one makes create return nil.</summary>
internal sealed class MqttTlsSettings
{
    readonly X509Certificate2? _serverCa;
    readonly int _verify;

    MqttTlsSettings(X509Certificate2? serverCa, X509Certificate2? clientCertificate, int verify)
    {
        _serverCa = serverCa;
        ClientCertificate = clientCertificate;
        _verify = verify;
    }

    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Null when a certificate or key does not parse (mqtt.create then returns nil).</summary>
    public static MqttTlsSettings? TryCreate(MqttTlsOptions options)
    {
        try
        {
            var ca = options.ServerCert is { } s ? LoadCertificate(s) : null;
            X509Certificate2? client = null;
            if (options.ClientCert is { } c && options.ClientKey is { } k)
            {
                var certPem = System.Text.Encoding.ASCII.GetString(c);
                var keyPem = System.Text.Encoding.ASCII.GetString(k);
                client = options.ClientPassword is { Length: > 0 } p
                    ? X509Certificate2.CreateFromEncryptedPem(certPem, keyPem, System.Text.Encoding.UTF8.GetString(p))
                    : X509Certificate2.CreateFromPem(certPem, keyPem);
            }
            return new MqttTlsSettings(ca, client, options.Verify);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    static X509Certificate2 LoadCertificate(byte[] pemOrDer)
    {
        var text = System.Text.Encoding.ASCII.GetString(pemOrDer);
        return text.Contains("-----BEGIN", StringComparison.Ordinal)
            ? X509Certificate2.CreateFromPem(text)
            : X509CertificateLoader.LoadCertificate(pemOrDer);
    }

    /// <summary>
    /// mbedtls authmode: 0 none, 1 optional (result ignored, handshake continues), 2 required (chain must
    /// build to the given CA, or to the system store when none is given). Only the chain is checked: whether
    /// the firmware also checks the host name is not stated by the reference.
    /// </summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_verify != 2) return true;
        if (certificate is null) return false;
        if (_serverCa is null) return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_serverCa);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
