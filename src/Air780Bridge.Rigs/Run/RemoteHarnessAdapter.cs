using System.Text;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Control;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Conformance;

namespace Air780Bridge.Rigs.Run;

/// <summary>
/// The conformance suite's view of a harness on another host (`air780 broker --control-user`), reached over its
/// control channel: the remote wire timeline shifted onto this machine's clock and merged with the module-side
/// entries recorded here; faults addressed by client id and confirmed by their entry on the remote timeline.
/// </summary>
public sealed class RemoteHarnessAdapter : IRigHarness
{
    private static readonly TimeSpan Confirmation = TimeSpan.FromSeconds(15);
    private readonly RemoteHarnessClient _remote;
    private readonly string _host;
    private readonly int _port;
    private readonly List<TimelineEntry> _local = [];
    private readonly List<Action<TimelineEntry>> _watchers = [];
    private readonly Lock _gate = new();

    private RemoteHarnessAdapter(RemoteHarnessClient remote, string host, int port, long offsetUs, long uncertaintyUs)
    {
        _remote = remote;
        _host = host;
        _port = port;
        ClockOffsetUs = offsetUs;
        ClockUncertaintyUs = uncertaintyUs;
    }

    /// <summary>Remote clock minus this one; remote entries are moved onto this clock by subtracting it.</summary>
    public long ClockOffsetUs { get; }

    /// <summary>Half the best sync round trip: how far a remote entry may sit from its true place among local ones.</summary>
    public long ClockUncertaintyUs { get; }

    /// <summary>Connects to the harness's TLS control port; <paramref name="caPem"/> is the CA its certificate must chain to.</summary>
    public static async Task<RemoteHarnessAdapter> ConnectAsync(string host, int port, string user, string password, byte[]? caPem, CancellationToken ct)
    {
        var remote = await RemoteHarnessClient.ConnectAsync(host, port, user, password, caPem, ct);
        try
        {
            var (offset, uncertainty) = await remote.MeasureClockOffsetAsync();
            // Modules and peers dial the plain endpoint the harness announces; the control channel's TLS port is only for us.
            var plain = remote.Info is { } info ? (info.Host, info.Port) : (host, port);
            return new RemoteHarnessAdapter(remote, plain.Item1, plain.Item2, offset, uncertainty);
        }
        catch
        {
            await remote.DisposeAsync();
            throw;
        }
    }

    public (string Host, int Port) Plain => (_host, _port);

    // From the harness's announcement; the tls suite skips when the remote has no TLS endpoint or client certificate.
    public (string Host, int Port)? Tls => _remote.Info is { TlsHost: { } host, TlsPort: { } port } ? (host, port) : null;

    public TlsMaterial? TlsMaterial => _remote.Info is { CaPem: { } ca, ClientCertPem: { } cert, ClientKeyPem: { } key }
        ? new TlsMaterial(Encoding.ASCII.GetBytes(ca), Encoding.ASCII.GetBytes(cert), Encoding.ASCII.GetBytes(key), UnrelatedCa.Pem)
        : null;

    public IReadOnlyList<TimelineEntry> Snapshot()
    {
        var remote = _remote.Timeline.Snapshot().Where(e => e.Type != ControlChannel.SyncFault).Select(e => e with { T = e.T - ClockOffsetUs });
        lock (_gate) return remote.Concat(_local).OrderBy(e => e.T).ToList();
    }

    public Task SettleAsync(CancellationToken ct) => _remote.SyncAsync();

    public void Record(TimelineEntry entry)
    {
        Action<TimelineEntry>[] watchers;
        lock (_gate)
        {
            _local.Add(entry);
            watchers = [.. _watchers];
        }
        foreach (var watch in watchers)
            watch(entry);
    }

    public IDisposable Watch(Action<TimelineEntry> onEntry)
    {
        void Remote(TimelineEntry e)
        {
            if (e.Type != ControlChannel.SyncFault)
                onEntry(e with { T = e.T - ClockOffsetUs });
        }
        _remote.Timeline.Appended += Remote;
        lock (_gate) _watchers.Add(onEntry);
        return new Undo(() =>
        {
            _remote.Timeline.Appended -= Remote;
            lock (_gate) _watchers.Remove(onEntry);
        });
    }

    public async Task DropAsync(string clientId, CancellationToken ct)
    {
        foreach (var conn in await SettledConnectionsOf(clientId))
            await Confirmed(() => _remote.DropAsync(conn), "drop", conn);
    }

    public IDisposable WithholdAck(string clientId, string packetType)
    {
        var conns = SettledConnectionsOf(clientId).GetAwaiter().GetResult();
        foreach (var conn in conns)
            Confirmed(() => _remote.WithholdAsync(packetType, conn), "withhold", conn).GetAwaiter().GetResult();
        return new Undo(() =>
        {
            // A connection that closed meanwhile (a scenario often drops it) has nothing left to release.
            foreach (var conn in conns.Intersect(OpenConnectionsOf(clientId)))
            {
                try
                {
                    Confirmed(() => _remote.ReleaseAsync(packetType, conn), "release", conn).GetAwaiter().GetResult();
                }
                catch (ScenarioFailedException e) when (e.Message.Contains("no open tap connection", StringComparison.Ordinal))
                {
                    // Closed on the remote side before its close entry reached us.
                }
            }
        });
    }

    public IDisposable Refuse(string clientId, int returnCode)
    {
        Confirmed(() => _remote.RefuseClientAsync(clientId, returnCode), "refuse-client", null).GetAwaiter().GetResult();
        return new Undo(() => Confirmed(() => _remote.RefuseClientAsync(clientId, null), "accept-client", null).GetAwaiter().GetResult());
    }

    public IDisposable Mute(string clientId)
    {
        Confirmed(() => _remote.MuteClientAsync(clientId, true), "mute-client", null).GetAwaiter().GetResult();
        return new Undo(() => Confirmed(() => _remote.MuteClientAsync(clientId, false), "unmute-client", null).GetAwaiter().GetResult());
    }

    public async Task KickWithDuplicateAsync(string clientId, CancellationToken ct)
    {
        var conn = (await SettledConnectionsOf(clientId)).FirstOrDefault()
            ?? throw new ScenarioFailedException($"client id {clientId} has no open connection to kick");
        await Confirmed(() => _remote.KickWithDuplicateClientIdAsync(conn), "kick", conn);
    }

    public async Task InjectAsync(string clientId, string fault, Air780Bridge.Harness.Faults.Server.ServerFaultArgs args, CancellationToken ct)
    {
        var conns = await SettledConnectionsOf(clientId);
        if (conns.Count == 0) throw new ScenarioFailedException($"client id {clientId} has no open connection to send {fault} down");
        foreach (var conn in conns)
            await Confirmed(() => _remote.InjectAsync(fault, args, conn), fault, conn);
    }

    public IDisposable LateConnack(string clientId, TimeSpan delay)
    {
        Confirmed(() => _remote.LateConnackAsync(clientId, delay), "late-connack", null).GetAwaiter().GetResult();
        return new Undo(() => Confirmed(() => _remote.LateConnackAsync(clientId, null), "prompt-connack", null).GetAwaiter().GetResult());
    }

    public async Task<IHarnessPeer> ConnectPeerAsync(string clientId, CancellationToken ct) =>
        await MqttHarnessPeer.ConnectAsync(_host, _port, clientId, ct);


    public ValueTask DisposeAsync() => _remote.DisposeAsync();

    /// <summary>Sends a command and waits until the remote timeline shows it applied (or rejected): control
    /// messages are fire-and-forget, and a scenario must not go on before its fault is in place.</summary>
    private async Task Confirmed(Func<Task> send, string faultType, string? conn)
    {
        var after = _remote.Timeline.Snapshot().Select(e => e.T).DefaultIfEmpty(long.MinValue).Max();
        var seen = _remote.Timeline.WaitForAsync(e => e.Kind == "fault" && e.T > after && (e.Type == "rejected" || e.Type == faultType && e.Conn == conn), Confirmation);
        await send();
        TimelineEntry entry;
        try
        {
            entry = await seen;
        }
        catch (TimeoutException)
        {
            throw new ScenarioFailedException($"the remote harness did not confirm \"{faultType}\" within {Confirmation.TotalSeconds:0} s; is the control channel still connected?");
        }
        if (entry.Type == "rejected")
            throw new ScenarioFailedException($"the remote harness rejected \"{faultType}\": {entry.Detail}");
    }

    // The module may report conack before the CONNECT entry arrives from the remote tap: settle first.
    private async Task<List<string>> SettledConnectionsOf(string clientId)
    {
        await SettleAsync(CancellationToken.None);
        return OpenConnectionsOf(clientId);
    }

    private List<string> OpenConnectionsOf(string clientId) => Wire.OpenConnectionsOf(_remote.Timeline.Snapshot(), clientId);
}
