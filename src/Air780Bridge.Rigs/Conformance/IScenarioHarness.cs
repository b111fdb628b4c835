using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Conformance;

/// <summary>What a scenario needs from the harness broker: where modules dial, the wire timeline, faults and a peer client.</summary>
public interface IScenarioHarness
{
    /// <summary>Plain MQTT endpoint as the module dials it.</summary>
    (string Host, int Port) Plain { get; }

    /// <summary>TLS endpoint as the module dials it, null when the rig runs without TLS.</summary>
    (string Host, int Port)? Tls { get; }

    /// <summary>PEM of the CA that signed the TLS endpoint's certificate, and a client certificate/key it accepts.</summary>
    TlsMaterial? TlsMaterial { get; }

    /// <summary>How far a wire entry's time may be off against this machine's clock (0 for a harness in this
    /// process; half the best sync round trip for a remote one). Order checks between a module event and a
    /// packet allow this much.</summary>
    long ClockUncertaintyUs { get; }

    /// <summary>Every entry so far (packets, connections, faults, module events).</summary>
    IReadOnlyList<TimelineEntry> Snapshot();

    /// <summary>Returns once every wire entry recorded up to now is in <see cref="Snapshot"/> (a remote
    /// harness's timeline arrives later than the module's events).</summary>
    Task SettleAsync(CancellationToken ct);

    /// <summary>Calls <paramref name="onEntry"/> with every entry added from now on (wire and module-side, on this
    /// machine's clock), on the adding thread, until disposed: a wait ends when its entry arrives instead of polling
    /// <see cref="Snapshot"/>. Handlers must be quick and must not throw.</summary>
    IDisposable Watch(Action<TimelineEntry> onEntry);

    /// <summary>Adds a module-side entry (API call or Lua event) on the shared clock.</summary>
    void Record(TimelineEntry entry);

    /// <summary>Drops the TCP connection(s) of the given MQTT client id abruptly.</summary>
    Task DropAsync(string clientId, CancellationToken ct);

    /// <summary>Stops forwarding the given ack type (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK, PINGRESP) toward the client, until disposed.</summary>
    IDisposable WithholdAck(string clientId, string packetType);

    /// <summary>Refuses CONNECTs of the client id with the given CONNACK return code, until disposed.</summary>
    IDisposable Refuse(string clientId, int returnCode);

    /// <summary>The broker never answers the client id (its CONNECT is swallowed by the tap), until disposed:
    /// drives the connect timeout on the same endpoint a module dials anyway.</summary>
    IDisposable Mute(string clientId);

    /// <summary>Sends the client's open connection(s) what a broken or hostile server would: a fault of
    /// <see cref="Air780Bridge.Harness.Faults.Server.ServerFaults"/> by name.</summary>
    Task InjectAsync(string clientId, string fault, Air780Bridge.Harness.Faults.Server.ServerFaultArgs args, CancellationToken ct);

    /// <summary>The client's CONNECTs get no answer from the broker; the harness sends CONNACK 0 itself after
    /// <paramref name="delay"/> (a server slower than conn_timeout), until disposed.</summary>
    IDisposable LateConnack(string clientId, TimeSpan delay);

    /// <summary>Opens a second session with the same client id, so the broker ends the module's.</summary>
    Task KickWithDuplicateAsync(string clientId, CancellationToken ct);

    /// <summary>A test peer on the broker: publishes to the module and observes what the module publishes (wills included).</summary>
    Task<IHarnessPeer> ConnectPeerAsync(string clientId, CancellationToken ct);
}

public sealed record TlsMaterial(byte[] CaPem, byte[] ClientCertPem, byte[] ClientKeyPem, byte[] OtherCaPem);

/// <summary>An MQTT client on the harness broker that a scenario controls.</summary>
public interface IHarnessPeer : IAsyncDisposable
{
    Task PublishAsync(string topic, byte[] payload, int qos, bool retain, CancellationToken ct);
    Task SubscribeAsync(string topic, CancellationToken ct);

    /// <summary>Messages received on subscribed topics, in arrival order.</summary>
    IReadOnlyList<(string Topic, byte[] Payload, bool Retain)> Received { get; }

    /// <summary>Completes when a message on <paramref name="topic"/> arrives (or has arrived).</summary>
    Task<bool> WaitForMessageAsync(string topic, TimeSpan timeout, CancellationToken ct);
}
