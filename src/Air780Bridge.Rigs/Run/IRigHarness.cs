using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Conformance;

namespace Air780Bridge.Rigs.Run;

/// <summary>The harness a rig run uses: the embedded one (<see cref="HarnessAdapter"/>) or one on another host
/// (<see cref="RemoteHarnessAdapter"/>).</summary>
public interface IRigHarness : IScenarioHarness, IAsyncDisposable;

/// <summary>Runs an action once, on the first Dispose: the end of a fault that lasts "until disposed".</summary>
internal sealed class Undo(Action undo) : IDisposable
{
    private int _done;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
            undo();
    }
}

/// <summary>One module's view of the rig harness: the same harness, dialled at the module's own address
/// (rig file <c>overrides.brokerAddress</c>: a module on another network).</summary>
internal sealed class DialOverride(IScenarioHarness inner, string host, int port) : IScenarioHarness
{
    public (string Host, int Port) Plain => (host, port);
    public (string Host, int Port)? Tls => inner.Tls;
    public TlsMaterial? TlsMaterial => inner.TlsMaterial;
    public IReadOnlyList<TimelineEntry> Snapshot() => inner.Snapshot();
    public Task SettleAsync(CancellationToken ct) => inner.SettleAsync(ct);
    public long ClockUncertaintyUs => inner.ClockUncertaintyUs;
    public void Record(TimelineEntry entry) => inner.Record(entry);
    public IDisposable Watch(Action<TimelineEntry> onEntry) => inner.Watch(onEntry);
    public Task DropAsync(string clientId, CancellationToken ct) => inner.DropAsync(clientId, ct);
    public IDisposable WithholdAck(string clientId, string packetType) => inner.WithholdAck(clientId, packetType);
    public IDisposable Refuse(string clientId, int returnCode) => inner.Refuse(clientId, returnCode);
    public IDisposable Mute(string clientId) => inner.Mute(clientId);
    public Task KickWithDuplicateAsync(string clientId, CancellationToken ct) => inner.KickWithDuplicateAsync(clientId, ct);
    public Task InjectAsync(string clientId, string fault, Air780Bridge.Harness.Faults.Server.ServerFaultArgs args, CancellationToken ct) => inner.InjectAsync(clientId, fault, args, ct);
    public IDisposable LateConnack(string clientId, TimeSpan delay) => inner.LateConnack(clientId, delay);
    public Task<IHarnessPeer> ConnectPeerAsync(string clientId, CancellationToken ct) => inner.ConnectPeerAsync(clientId, ct);
}

/// <summary>A CA that signed nothing the harness serves: the wrong server_cert of the tls.wrong-ca and
/// tls.optional-verify scenarios.</summary>
internal static class UnrelatedCa
{
    private static readonly Lazy<byte[]> Made = new(() =>
    {
        using var other = Air780Bridge.Harness.Broker.HarnessCertificates.Generate();
        return other.CaPem;
    });

    public static byte[] Pem => Made.Value;
}
