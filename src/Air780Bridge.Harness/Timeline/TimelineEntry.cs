namespace Air780Bridge.Harness.Timeline;

/// <summary>
/// One line of a wire timeline (and of its JSON-lines file). Flat on purpose: one record type for packets,
/// TCP connection changes, module-side API calls/events reported by the proxy, and injected faults, so a
/// check reads one ordered list. Fields that do not apply to a kind stay null.
/// </summary>
public sealed record TimelineEntry
{
    /// <summary>Microseconds on <see cref="TimelineClock"/>.</summary>
    public long T { get; init; }

    /// <summary>"packet", "connection", "module", "fault" or "malformed"; "violation" when the tap closed a peer for
    /// breaking a limit (Type: packet-too-large, connect-timeout, connection-limit, address-limit, control-over-plain);
    /// "loss" when the broker dropped messages to a slow subscriber (Type: dropped, ClientId: the subscriber, Count: how many);
    /// "host" when this process could not run a thread on time (Type: stall, <see cref="DurationUs"/>: how long, Conn: the
    /// twin whose own thread it was, else null for all; <see cref="HostStalls"/>).</summary>
    public required string Kind { get; init; }

    /// <summary>Tap connection id ("c1", "c2", ...); for module entries the module id.</summary>
    public string? Conn { get; init; }

    /// <summary>"up" = module to broker, "down" = broker to module.</summary>
    public string? Dir { get; init; }

    /// <summary>Packet: CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE,
    /// UNSUBACK, PINGREQ, PINGRESP, DISCONNECT. Connection: "open", "tls" (handshake done: protocol and client certificate), "close". Module: the Lua event or API call
    /// name ("sent", "recv", "conack", "disconnect", "publish", ...). Fault: the fault name.</summary>
    public string? Type { get; init; }

    /// <summary>The fixed header's low nibble (DUP/QoS/RETAIN for PUBLISH; 0x2 for PUBREL, SUBSCRIBE, UNSUBSCRIBE).</summary>
    public byte? Flags { get; init; }
    public bool? Dup { get; init; }
    public int? Qos { get; init; }
    public bool? Retain { get; init; }
    public int? PacketId { get; init; }
    public string? Topic { get; init; }
    public int? PayloadSize { get; init; }

    /// <summary>CONNACK return code, SUBACK first return code, module "disconnect" code.</summary>
    public int? Code { get; init; }

    /// <summary>Module entries: the mqtt client handle the call or event belongs to.</summary>
    public long? Handle { get; init; }

    /// <summary>CONNECT fields; also on a module's "auth" call, so its handle can be tied to the wire.</summary>
    public string? ClientId { get; init; }
    public string? Username { get; init; }
    public bool? PasswordFlag { get; init; }
    public bool? CleanSession { get; init; }
    public int? KeepAlive { get; init; }
    public string? WillTopic { get; init; }
    public int? WillPayloadSize { get; init; }
    public int? WillQos { get; init; }
    public bool? WillRetain { get; init; }

    /// <summary>Loss entries: messages dropped since the previous loss entry for that client.</summary>
    public long? Count { get; init; }

    /// <summary>Host stall entries: how long before <see cref="T"/> (when the probe ran again) it could not run.</summary>
    public long? DurationUs { get; init; }

    /// <summary>CONNECT: protocol name and level as sent (3.1.1 is "MQTT" level 4), and the connect flags byte (bit 0 reserved).</summary>
    public string? Protocol { get; init; }
    public int? Level { get; init; }
    public byte? ConnectFlags { get; init; }

    /// <summary>CONNACK: the session present flag.</summary>
    public bool? SessionPresent { get; init; }

    /// <summary>SUBSCRIBE: the filters with their requested-QoS byte as sent; UNSUBSCRIBE: the filters. <see cref="Topic"/> is the first.</summary>
    public IReadOnlyList<TopicFilter>? Filters { get; init; }

    /// <summary>Where the packet's bytes break a format rule (<see cref="PacketDefects"/>); null when none.</summary>
    public IReadOnlyList<string>? Defects { get; init; }

    /// <summary>Hex of the fixed header (type/flags byte and remaining length).</summary>
    public string? Header { get; init; }

    /// <summary>Hex of the bytes for malformed packets; free text detail otherwise.</summary>
    public string? Raw { get; init; }
    public string? Detail { get; init; }
}

/// <summary>One SUBSCRIBE/UNSUBSCRIBE topic filter; <paramref name="Options"/> is the requested-QoS byte as sent (null for UNSUBSCRIBE).</summary>
public sealed record TopicFilter(string Filter, byte? Options);

/// <summary>Process-wide monotonic clock shared by the tap, the broker and the proxy, so their entries order correctly.</summary>
public static class TimelineClock
{
    public static long NowUs => Protocol.MonotonicClock.NowUs;
}
