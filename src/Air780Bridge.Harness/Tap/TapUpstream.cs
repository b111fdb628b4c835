using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Air780Bridge.Harness.Tap;

/// <summary>The module end of one tap connection, as the broker behind the tap should see it.</summary>
public sealed record TapPeer(EndPoint? Remote, EndPoint? Local, bool Tls, X509Certificate2? ClientCertificate);

/// <summary>
/// Where the tap forwards a module's bytes and reads the broker's: one byte stream per module connection. The tap
/// records and faults packets on its side of it, so every upstream is judged the same way.
/// </summary>
public interface ITapUpstream
{
    /// <summary>The broker's TCP address, for errors and for the tap's own client (the duplicate-client-id kick).</summary>
    DnsEndPoint Address { get; }

    /// <summary>A new broker connection for <paramref name="module"/>; disposing the stream closes it.</summary>
    ValueTask<Stream> ConnectAsync(TapPeer module, CancellationToken ct);
}

/// <summary>A broker reached over TCP (mosquitto, a cloud broker, any host:port).</summary>
public sealed class TcpUpstream(string host, int port) : ITapUpstream
{
    public DnsEndPoint Address { get; } = new(host, port);

    public async ValueTask<Stream> ConnectAsync(TapPeer module, CancellationToken ct)
    {
        // Dual mode, so a host name that resolves to IPv4 or IPv6 both connect.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, ct);
            // Small packets (PUBACK, PINGRESP) must not wait for Nagle on the broker side of the tap.
            socket.NoDelay = true;
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"the upstream broker {host}:{port} cannot be reached ({ex.Message}); check that it runs and that --upstream names it", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
