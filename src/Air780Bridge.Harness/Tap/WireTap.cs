using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Air780Bridge.Harness.Faults;
using Air780Bridge.Harness.Timeline;
using MQTTnet;

namespace Air780Bridge.Harness.Tap;

/// <summary>TLS termination at the tap, so the tap decodes plaintext and forwards plaintext to the broker.</summary>
public sealed record TapTls(X509Certificate2 ServerCertificate, X509Certificate2? ClientCa = null);

/// <summary>
/// TCP proxy in front of a broker (embedded or any external host:port) that records every MQTT packet in both
/// directions on a <see cref="Timeline.Timeline"/> and injects faults on command.
/// </summary>
public sealed partial class WireTap : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly TcpListener? _tlsListener;
    private readonly ITapUpstream _upstream;
    private readonly TapTls? _tls;
    private readonly ConcurrentDictionary<string, TapConnection> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _acceptLoops;
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private readonly ConcurrentDictionary<string, long> _violations = new();
    private readonly ViolationLog _log;
    private int _nextId;
    private int _open;
    private DateTime _refuseUntil;

    /// <summary>Listens on <paramref name="port"/> (plain) and, with <paramref name="tls"/>, on <paramref name="tlsPort"/>
    /// (TLS terminated here); both forward plaintext to <paramref name="upstream"/>.</summary>
    public WireTap(IPAddress bind, int port, ITapUpstream upstream, Timeline.Timeline timeline, TapTls? tls = null, int tlsPort = 0,
        TapLimits? limits = null, Serilog.ILogger? log = null)
    {
        Timeline = timeline;
        Limits = (limits ?? new TapLimits()).Validated();
        _log = new ViolationLog(log ?? Serilog.Log.Logger.ForContext<WireTap>());
        _upstream = upstream;
        _tls = tls;
        _listener = Listen(bind, port);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        if (tls is not null)
        {
            _tlsListener = Listen(bind, tlsPort);
            TlsPort = ((IPEndPoint)_tlsListener.LocalEndpoint).Port;
        }
        _acceptLoops = _tlsListener is null ? [AcceptLoopAsync(_listener, false)] : [AcceptLoopAsync(_listener, false), AcceptLoopAsync(_tlsListener, true)];
    }

    private static TcpListener Listen(IPAddress bind, int port)
    {
        var listener = new TcpListener(bind, port);
        // IPv6Any in dual mode accepts IPv4 modules as well.
        if (bind.Equals(IPAddress.IPv6Any)) listener.Server.DualMode = true;
        try { listener.Start(); }
        catch (SocketException ex) { throw new InvalidOperationException($"tap cannot listen on {bind}:{port} ({ex.Message}); pick a free port or use 0", ex); }
        return listener;
    }

    public Timeline.Timeline Timeline { get; }

    public TapLimits Limits { get; }

    /// <summary>Connections closed for breaking a <see cref="Limits"/> rule, by violation type
    /// (packet-too-large, connect-timeout, connection-limit, address-limit, control-over-plain).</summary>
    public IReadOnlyDictionary<string, long> Violations => new Dictionary<string, long>(_violations);

    /// <summary>Connections that log in with this username are not recorded: the control channel's own timeline
    /// traffic would otherwise feed back into the timeline.</summary>
    public string? UntracedUser { get; init; }

    /// <summary>Login for the duplicate-client-id kick when the broker requires credentials.</summary>
    public (string User, string Password)? KickCredentials { get; init; }
    public int Port { get; }
    /// <summary>TLS port; 0 without TLS.</summary>
    public int TlsPort { get; }

    internal DateTime GlobalBlackholeUntil { get; private set; }
    internal TimeSpan GlobalDelay { get; private set; }
    internal ConcurrentDictionary<string, bool> GlobalWithheld { get; } = new();
    internal ConcurrentDictionary<string, bool> MutedClients { get; } = new();

    /// <summary>Ids of connections still open.</summary>
    public IReadOnlyCollection<string> OpenConnections => _connections.Keys.ToArray();

    private async Task AcceptLoopAsync(TcpListener listener, bool tls)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = HandleAsync(socket, tls);
        }
    }

    private async Task HandleAsync(Socket socket, bool tls)
    {
        var accepted = Stopwatch.GetTimestamp();
        var id = $"c{Interlocked.Increment(ref _nextId)}";
        var remote = socket.RemoteEndPoint?.ToString();
        if (DateTime.UtcNow < _refuseUntil)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
            Record(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Conn = id, Type = "refused", Detail = $"TCP connection from {remote} reset" });
            return;
        }
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var open = Interlocked.Increment(ref _open);
        var fromAddress = _perAddress.AddOrUpdate(address, 1, (_, n) => n + 1);
        try
        {
            (string Type, string Why)? refusal =
                open > Limits.MaxConnections ? ("connection-limit", $"{open - 1} connections open, the limit is {Limits.MaxConnections} (raise it with --max-connections)")
                : fromAddress > Limits.MaxConnectionsPerAddress ? ("address-limit", $"{fromAddress - 1} connections open from {address}, the limit is {Limits.MaxConnectionsPerAddress} (raise it with --max-connections-per-address)")
                : null;
            if (refusal is { } refused)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
                Violation(new TimelineEntry { T = TimelineClock.NowUs, Kind = "violation", Conn = id, Type = refused.Type, Detail = $"{remote}: {refused.Why}; connection reset" });
                return;
            }
            await ServeAsync(socket, tls, id, remote, accepted);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            if (_perAddress.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0) _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
        }
    }

    private async Task ServeAsync(Socket socket, bool tls, string id, string? remote, long accepted)
    {
        Timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "connection", Conn = id, Type = "open", Detail = tls ? $"{remote} tls" : remote });
        Stream moduleStream = new NetworkStream(socket, ownsSocket: true);
        Stream? upstream = null;
        try
        {
            if (tls && _tls is not null)
            {
                var ssl = new SslStream(moduleStream, false, ValidateClient);
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                handshake.CancelAfter(Limits.ConnectTimeout);
                try
                {
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _tls.ServerCertificate,
                        // Always ask, so the timeline shows whether the module presented one; only mutual TLS insists.
                        ClientCertificateRequired = true,
                    }, handshake.Token);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    Violation(new TimelineEntry { T = TimelineClock.NowUs, Kind = "violation", Conn = id, Dir = "up", Type = "connect-timeout",
                        Detail = $"TLS handshake not done within {Limits.ConnectTimeout.TotalSeconds:0.#} s of the TCP connection (raise it with --connect-timeout)" });
                    throw new TimeoutException("TLS handshake timed out");
                }
                moduleStream = ssl;
                var presented = ssl.RemoteCertificate is { } c ? $"client certificate {c.Subject}" : "no client certificate";
                Timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "connection", Conn = id, Type = "tls", Detail = $"{ssl.SslProtocol}, {presented}" });
            }
            var certificate = (moduleStream as SslStream)?.RemoteCertificate as X509Certificate2; // .NET hands out X509Certificate2 here
            upstream = await _upstream.ConnectAsync(new TapPeer(socket.RemoteEndPoint, socket.LocalEndPoint, tls, certificate), _stop.Token);
            // Small packets (PUBACK, PINGRESP) must not wait for Nagle on the module side of the tap.
            socket.NoDelay = true;
        }
        catch (Exception ex)
        {
            upstream?.Dispose();
            moduleStream.Dispose();
            Timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "connection", Conn = id, Type = "close", Detail = $"setup failed: {ex.Message}" });
            return;
        }
        var connection = new TapConnection(id, socket, moduleStream, upstream, Timeline, this, tls);
        _connections[id] = connection;
        try { await connection.RunAsync(Limits.ConnectTimeout - Stopwatch.GetElapsedTime(accepted)); }
        finally { _connections.TryRemove(id, out _); }
    }

    /// <summary>Records a closed violator: timeline entry, count, log line.</summary>
    internal void Violation(TimelineEntry entry)
    {
        _violations.AddOrUpdate(entry.Type ?? "violation", 1, (_, n) => n + 1);
        Timeline.Append(entry);
        _log.Write(entry);
    }

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_tls?.ClientCa is null) return true;
        if (certificate is null) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_tls.ClientCa);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(certificate));
    }

    private void Record(TimelineEntry entry) => Timeline.Append(entry);

    internal void RecordFault(string type, string? conn, string detail) =>
        Record(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Conn = conn, Type = type, Detail = detail });

    private IEnumerable<TapConnection> Targets(string? conn)
    {
        if (conn is null) return _connections.Values.ToArray();
        return _connections.TryGetValue(conn, out var c) ? [c]
            : throw new ArgumentException($"no open tap connection '{conn}'; open ones: {string.Join(", ", _connections.Keys.Order())}");
    }

    public Task DropAsync(string? conn = null)
    {
        var targets = Targets(conn).ToArray();
        RecordFault("drop", conn, $"RST to {string.Join(", ", targets.Select(t => t.Id))}");
        foreach (var target in targets) target.Close("dropped by fault (RST)", reset: true);
        return Task.CompletedTask;
    }

    public Task BlackholeAsync(TimeSpan duration, string? conn = null)
    {
        var until = DateTime.UtcNow + duration;
        RecordFault("blackhole", conn, $"{duration.TotalMilliseconds:0} ms");
        if (conn is null) GlobalBlackholeUntil = until;
        else foreach (var target in Targets(conn)) target.BlackholeUntil = until;
        return Task.CompletedTask;
    }

    public Task DelayAsync(TimeSpan delay, string? conn = null)
    {
        RecordFault("delay", conn, $"{delay.TotalMilliseconds:0} ms");
        if (conn is null) GlobalDelay = delay;
        else foreach (var target in Targets(conn)) target.Delay = delay;
        return Task.CompletedTask;
    }

    public Task WithholdAsync(string packetType, string? conn = null) => SetWithheld(packetType, conn, true);

    public Task ReleaseAsync(string packetType, string? conn = null) => SetWithheld(packetType, conn, false);

    private Task SetWithheld(string packetType, string? conn, bool on)
    {
        var type = packetType.ToUpperInvariant();
        if (!FaultCommand.Withholdable.Contains(type))
            throw new ArgumentException($"cannot withhold '{packetType}'; use one of {string.Join(", ", FaultCommand.Withholdable)}");
        RecordFault(on ? "withhold" : "release", conn, type);
        foreach (var set in conn is null ? [GlobalWithheld] : Targets(conn).Select(t => t.Withheld))
            if (on) set[type] = true; else set.TryRemove(type, out _);
        return Task.CompletedTask;
    }

    public Task MuteClientAsync(string clientId, bool on)
    {
        RecordFault(on ? "mute-client" : "unmute-client", null, clientId);
        if (on) MutedClients[clientId] = true; else MutedClients.TryRemove(clientId, out _);
        return Task.CompletedTask;
    }

    public Task RefuseConnectionsAsync(TimeSpan duration)
    {
        _refuseUntil = DateTime.UtcNow + duration;
        RecordFault("refuse", null, $"{duration.TotalMilliseconds:0} ms");
        return Task.CompletedTask;
    }

    public async Task KickWithDuplicateClientIdAsync(string conn)
    {
        var target = Targets(conn).Single();
        var clientId = target.ClientId ?? throw new InvalidOperationException($"connection {conn} has not sent CONNECT yet; no client id to duplicate");
        RecordFault("kick", conn, $"second session with client id '{clientId}'");
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(_upstream.Address.Host, _upstream.Address.Port).WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311);
        if (KickCredentials is { } login) options = options.WithCredentials(login.User, login.Password);
        await client.ConnectAsync(options.Build(), _stop.Token);
        await client.DisconnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _tlsListener?.Stop();
        foreach (var connection in _connections.Values) connection.Close("tap stopped", reset: false);
        await Task.WhenAll(_acceptLoops);
    }
}
