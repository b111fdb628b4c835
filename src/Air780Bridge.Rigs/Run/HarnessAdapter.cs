using Air780Bridge.Harness;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Conformance;

namespace Air780Bridge.Rigs.Run;

/// <summary>
/// The conformance suite's view of a <see cref="HarnessBroker"/>: faults addressed by MQTT client id (the tap
/// addresses connections), and a peer client that talks to the broker behind the tap so its own packets stay
/// off the module's timeline.
/// </summary>
public sealed class HarnessAdapter : IRigHarness
{
    private readonly HarnessBroker _harness;

    private HarnessAdapter(HarnessBroker harness)
    {
        _harness = harness;
    }

    public HarnessBroker Harness => _harness;

    public static async Task<HarnessAdapter> StartAsync(HarnessSettings settings) => new(await HarnessBroker.StartAsync(settings));

    public (string Host, int Port) Plain => (_harness.Plain.Host, _harness.Plain.Port);

    public (string Host, int Port)? Tls => _harness.Tls is { } tls ? (tls.Host, tls.Port) : null;

    public TlsMaterial? TlsMaterial => _harness.Certificates is { } c
        ? new TlsMaterial(c.CaPem, c.ClientCertificatePem, c.ClientKeyPem, UnrelatedCa.Pem)
        : null;

    public IReadOnlyList<TimelineEntry> Snapshot() => _harness.Timeline.Snapshot();

    public void Record(TimelineEntry entry) => _harness.Timeline.Append(entry);

    public IDisposable Watch(Action<TimelineEntry> onEntry)
    {
        _harness.Timeline.Appended += onEntry;
        return new Undo(() => _harness.Timeline.Appended -= onEntry);
    }

    public async Task DropAsync(string clientId, CancellationToken ct)
    {
        foreach (var conn in OpenConnectionsOf(clientId))
            await _harness.DropAsync(conn);
    }

    public IDisposable WithholdAck(string clientId, string packetType)
    {
        var conns = OpenConnectionsOf(clientId);
        foreach (var conn in conns)
            _harness.WithholdAsync(packetType, conn).GetAwaiter().GetResult();
        return new Undo(() =>
        {
            foreach (var conn in conns)
            {
                try
                {
                    _harness.ReleaseAsync(packetType, conn).GetAwaiter().GetResult();
                }
                catch (ArgumentException)
                {
                    // The connection has closed meanwhile (a scenario often drops it): nothing left to release.
                }
            }
        });
    }

    public IDisposable Refuse(string clientId, int returnCode)
    {
        _harness.RefuseClientAsync(clientId, returnCode).GetAwaiter().GetResult();
        return new Undo(() => _harness.RefuseClientAsync(clientId, null).GetAwaiter().GetResult());
    }

    public IDisposable Mute(string clientId)
    {
        _harness.MuteClientAsync(clientId, true).GetAwaiter().GetResult();
        return new Undo(() => _harness.MuteClientAsync(clientId, false).GetAwaiter().GetResult());
    }

    public async Task KickWithDuplicateAsync(string clientId, CancellationToken ct)
    {
        var conn = OpenConnectionsOf(clientId).FirstOrDefault()
            ?? throw new ScenarioFailedException($"client id {clientId} has no open connection to kick");
        await _harness.KickWithDuplicateClientIdAsync(conn);
    }

    public async Task InjectAsync(string clientId, string fault, Air780Bridge.Harness.Faults.Server.ServerFaultArgs args, CancellationToken ct)
    {
        var conns = OpenConnectionsOf(clientId);
        if (conns.Count == 0) throw new ScenarioFailedException($"client id {clientId} has no open connection to send {fault} down");
        foreach (var conn in conns)
            await _harness.InjectAsync(fault, args, conn);
    }

    public IDisposable LateConnack(string clientId, TimeSpan delay)
    {
        _harness.LateConnackAsync(clientId, delay).GetAwaiter().GetResult();
        return new Undo(() => _harness.LateConnackAsync(clientId, null).GetAwaiter().GetResult());
    }

    public async Task<IHarnessPeer> ConnectPeerAsync(string clientId, CancellationToken ct) =>
        await MqttHarnessPeer.ConnectAsync(_harness.Backend.Host, _harness.Backend.Port, clientId, ct);

    private List<string> OpenConnectionsOf(string clientId) => Wire.OpenConnectionsOf(Snapshot(), clientId);

    public long ClockUncertaintyUs => 0;

    // The tap appends before it forwards, so the local timeline is always settled.
    public Task SettleAsync(CancellationToken ct) => Task.CompletedTask;


    public ValueTask DisposeAsync() => _harness.DisposeAsync();

}
