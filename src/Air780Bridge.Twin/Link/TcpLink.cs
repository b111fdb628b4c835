using System.Net;
using System.Net.Sockets;

namespace Air780Bridge.Twin.Link;

/// <summary>
/// The module's serial channel as a TCP endpoint on 127.0.0.1. One client at a time: a new connection
/// replaces the current one, as ser2net does.
/// </summary>
public sealed class TcpLink : TwinSerialLink
{
    private readonly object _gate = new();
    private int _port;
    private TcpListener? _listener;
    private TcpClient? _client;

    public TcpLink(IModuleSerial serial, string name, int port = 0, LinkConditioner? conditioner = null)
        : base(serial, conditioner, name)
    {
        if (port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "TCP port must be 0 (ephemeral) or 1..65535.");
        _port = port;
        OpenTransport();
    }

    public int Port => _port;
    public override string ConnectionString => $"tcp://127.0.0.1:{_port}";

    protected override void OpenTransport()
    {
        var listener = new TcpListener(IPAddress.Loopback, _port);
        listener.Start();
        // Replug reuses the first bound port so the connection string stays valid.
        _port = ((IPEndPoint)listener.LocalEndpoint).Port;
        lock (_gate) _listener = listener;
        _ = AcceptLoop(listener);
    }

    protected override void CloseTransport()
    {
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            _client?.Dispose();
            _client = null;
        }
    }

    private async Task AcceptLoop(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; }
            client.NoDelay = true;
            lock (_gate)
            {
                if (_listener != listener) { client.Dispose(); return; }
                _client?.Dispose();
                _client = client;
            }
            _ = ReadLoop(client);
        }
    }

    private async Task ReadLoop(TcpClient client)
    {
        var buffer = new byte[MaxTransfer];
        try
        {
            var stream = client.GetStream();
            int n;
            while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0) OnHostBytes(buffer.AsSpan(0, n));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { }
        lock (_gate)
        {
            if (_client == client) _client = null;
        }
        client.Dispose();
    }

    protected override bool WriteToHost(byte[] data)
    {
        TcpClient? client;
        lock (_gate) client = _client;
        if (client is null) return false;
        try { client.GetStream().Write(data); return true; }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { return false; }
    }
}
