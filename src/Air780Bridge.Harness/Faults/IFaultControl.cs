using Air780Bridge.Harness.Faults.Server;

namespace Air780Bridge.Harness.Faults;

/// <summary>Faults the tap injects on command. <c>conn</c> is a tap connection id ("c1"); null = every open connection
/// (and, for blackhole/delay/withhold, connections opened later). Each injected fault is a timeline entry of kind "fault".</summary>
public interface IFaultControl
{
    /// <summary>Resets the module's TCP connection abruptly (RST).</summary>
    Task DropAsync(string? conn = null);
    /// <summary>Stops forwarding both ways for <paramref name="duration"/>; held bytes flow afterwards.</summary>
    Task BlackholeAsync(TimeSpan duration, string? conn = null);
    /// <summary>Delays every forwarded chunk by <paramref name="delay"/>; zero clears it.</summary>
    Task DelayAsync(TimeSpan delay, string? conn = null);
    /// <summary>Stops forwarding one ack type toward the module: PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK or PINGRESP.</summary>
    Task WithholdAsync(string packetType, string? conn = null);
    /// <summary>Forwards the ack type again.</summary>
    Task ReleaseAsync(string packetType, string? conn = null);
    /// <summary>Resets new TCP connections for <paramref name="duration"/>.</summary>
    Task RefuseConnectionsAsync(TimeSpan duration);
    /// <summary>Opens a second MQTT session with the module's client id so the broker ends the module's session.</summary>
    Task KickWithDuplicateClientIdAsync(string conn);
    /// <summary>Answers CONNECTs carrying <paramref name="clientId"/> with CONNACK return code 1-5 (drives the module's
    /// refusal path); null accepts them again. Needs the embedded broker: an upstream broker writes its own CONNACKs.</summary>
    Task RefuseClientAsync(string clientId, int? returnCode);
    /// <summary>While on, the tap swallows everything a client with <paramref name="clientId"/> sends from its CONNECT
    /// on: the broker never answers, as a server that accepts TCP and goes silent (drives conn_timeout).</summary>
    Task MuteClientAsync(string clientId, bool on);
    /// <summary>Sends the module what a broken or hostile server would (<see cref="ServerFaults"/>): the bytes go
    /// down <paramref name="conn"/>, or every open connection of <paramref name="clientId"/>, or (both null) every
    /// open connection; each injection is a "fault" entry plus the packets as sent, marked "injected".</summary>
    Task InjectAsync(string fault, ServerFaultArgs args, string? conn = null, string? clientId = null);
    /// <summary>While set, a CONNECT from <paramref name="clientId"/> is swallowed (as mute-client) and the tap itself
    /// answers CONNACK 0 after <paramref name="delay"/>: a server slower than conn_timeout. Null clears it.</summary>
    Task LateConnackAsync(string clientId, TimeSpan? delay);
}

/// <summary>The JSON command a remote rig publishes on <c>$harness/fault</c>.</summary>
/// <param name="ClientId">refuse-client, accept-client, mute-client, unmute-client: the MQTT client id.</param>
/// <param name="Code">refuse-client: the CONNACK return code 1-5.</param>
/// <param name="Token">sync (control channel only): echoed on the timeline to measure the clock offset.</param>
/// <param name="PacketId">server faults: the packet id the injected packet carries.</param>
/// <param name="Topic">server faults: the topic of an injected PUBLISH.</param>
/// <param name="Size">oversize: payload bytes.</param>
/// <param name="Segment">split: bytes per TCP segment.</param>
public sealed record FaultCommand(string Fault, string? Conn = null, int? Ms = null, string? PacketType = null, string? ClientId = null, int? Code = null,
    string? Token = null, int? PacketId = null, string? Topic = null, int? Size = null, int? Segment = null)
{
    public static readonly IReadOnlySet<string> Withholdable = new HashSet<string> { "PUBACK", "PUBREC", "PUBCOMP", "SUBACK", "UNSUBACK", "PINGRESP" };

    /// <summary>Runs the command against <paramref name="control"/>; unknown names fail with the list of valid ones.</summary>
    public Task ApplyAsync(IFaultControl control) => Fault switch
    {
        _ when ServerFaults.TryGet(Fault, out _) => control.InjectAsync(Fault, new ServerFaultArgs(PacketId, Topic, Size, Segment), Conn, ClientId),
        "late-connack" => control.LateConnackAsync(NeedClientId(), Duration()),
        "prompt-connack" => control.LateConnackAsync(NeedClientId(), null),
        "drop" => control.DropAsync(Conn),
        "blackhole" => control.BlackholeAsync(Duration(), Conn),
        "delay" => control.DelayAsync(Duration(), Conn),
        "withhold" => control.WithholdAsync(PacketType ?? throw new ArgumentException("withhold needs packetType"), Conn),
        "release" => control.ReleaseAsync(PacketType ?? throw new ArgumentException("release needs packetType"), Conn),
        "refuse" => control.RefuseConnectionsAsync(Duration()),
        "kick" => control.KickWithDuplicateClientIdAsync(Conn ?? throw new ArgumentException("kick needs conn (a tap connection id such as c1)")),
        "refuse-client" => control.RefuseClientAsync(NeedClientId(), Code ?? throw new ArgumentException("refuse-client needs the CONNACK return code 1-5 (--code N, or \"code\" in a control message)")),
        "accept-client" => control.RefuseClientAsync(NeedClientId(), null),
        "mute-client" => control.MuteClientAsync(NeedClientId(), true),
        "unmute-client" => control.MuteClientAsync(NeedClientId(), false),
        _ => throw new ArgumentException($"unknown fault '{Fault}'; use {string.Join(", ", Names)}"),
    };

    /// <summary>Every fault name <see cref="ApplyAsync"/> knows.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "drop", "blackhole", "delay", "withhold", "release", "refuse", "kick", "refuse-client", "accept-client", "mute-client", "unmute-client",
        "late-connack", "prompt-connack", .. ServerFaults.Names,
    ];

    private string NeedClientId() => ClientId ?? throw new ArgumentException($"{Fault} needs the MQTT client id (--client-id ID, or \"clientId\" in a control message)");

    private TimeSpan Duration() => TimeSpan.FromMilliseconds(Ms ?? throw new ArgumentException($"{Fault} needs ms (duration in milliseconds)"));
}
