namespace Air780Bridge.Harness.Faults.Server;

// One class per fault; the 3.1.1 statement each breaks is named where the spec speaks.

/// <summary>A PUBLISH whose remaining length runs over 5 bytes (3.1.1 allows at most 4, §2.2.3).</summary>
public sealed class MalformedRemainingLength : IServerFault
{
    public string Name => "bad-remaining-length";
    public string Summary => "PUBLISH whose remaining length has 5 continuation-flagged bytes (max 4, §2.2.3)";
    public InjectedBytes Build(ServerFaultArgs args) => new([[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, (byte)'x']]);
}

/// <summary>A PINGRESP with its reserved flag bits set to 1111 ([MQTT-2.2.2-2]: the receiver must close).</summary>
public sealed class ReservedFlagBits : IServerFault
{
    public string Name => "reserved-flags";
    public string Summary => "PINGRESP with reserved flags 0xF (must be 0, [MQTT-2.2.2-1/2])";
    public InjectedBytes Build(ServerFaultArgs args) => new([[0xDF, 0x00]]);
}

/// <summary>A packet of the reserved type 0.</summary>
public sealed class UnknownPacketType : IServerFault
{
    public string Name => "unknown-type";
    public string Summary => "a packet of reserved type 0 (§2.2.1)";
    public InjectedBytes Build(ServerFaultArgs args) => new([[0x00, 0x00]]);
}

/// <summary>A PUBLISH with both QoS bits set ([MQTT-3.3.1-4]: the receiver must close).</summary>
public sealed class PublishQos3 : IServerFault
{
    public string Name => "publish-qos3";
    public string Summary => "PUBLISH with QoS bits 11 ([MQTT-3.3.1-4])";
    public InjectedBytes Build(ServerFaultArgs args) =>
        new([FaultPacket.Publish(0x36, FaultPacket.Utf8(args.TopicOrDefault), args.Id, "qos3"u8)]);
}

/// <summary>A PUBLISH whose topic name holds the wildcards + and # ([MQTT-3.3.2-2]).</summary>
public sealed class WildcardTopic : IServerFault
{
    public string Name => "wildcard-topic";
    public string Summary => "PUBLISH to a topic name with + and # ([MQTT-3.3.2-2])";
    public InjectedBytes Build(ServerFaultArgs args) =>
        new([FaultPacket.Publish(0x30, FaultPacket.Utf8(args.TopicOrDefault + "/+/#"), null, "wildcard"u8)]);
}

/// <summary>A PUBLISH whose topic holds ill-formed UTF-8 and U+0000 ([MQTT-1.5.3-1], [MQTT-1.5.3-2]).</summary>
public sealed class InvalidUtf8Topic : IServerFault
{
    /// <summary>Appended to the topic: a lone continuation byte, an overlong NUL, and U+0000 itself.</summary>
    public static readonly byte[] BadBytes = [0x80, 0xC0, 0x80, 0x00];
    public string Name => "invalid-utf8-topic";
    public string Summary => "PUBLISH whose topic is ill-formed UTF-8 (0x80, overlong 0xC0 0x80) and holds U+0000 ([MQTT-1.5.3-1], [MQTT-1.5.3-2])";
    public InjectedBytes Build(ServerFaultArgs args) =>
        new([FaultPacket.Publish(0x30, [.. FaultPacket.Utf8(args.TopicOrDefault + "/"), .. BadBytes], null, "utf8"u8)]);
}

/// <summary>A CONNACK on a session that already has one ([MQTT-3.2.0-1]: CONNACK is the server's first packet, once).</summary>
public sealed class SecondConnack : IServerFault
{
    public string Name => "second-connack";
    public string Summary => "a second CONNACK (rc 0) on an accepted session";
    public InjectedBytes Build(ServerFaultArgs args) => new([[0x20, 0x02, 0x00, 0x00]]);
}

/// <summary>An ack of one type for a packet id the module has not used (nothing in flight under it).</summary>
public sealed class StrayAck(string name, byte first) : IServerFault
{
    public string Name => name;
    public string Summary => $"{Tap.MqttDecoder.TypeNames[first >> 4]} for a packet id not in flight (default 0x{ServerFaultArgs.StrayPacketId:X4})";
    public InjectedBytes Build(ServerFaultArgs args) =>
        new([first == 0x90 ? FaultPacket.Frame(0x90, [(byte)(args.Id >> 8), (byte)args.Id, 0x00]) : FaultPacket.Ack(first, args.Id)]);
}

/// <summary>A SUBACK refusing the subscription with return code 0x80 (§3.9.3).</summary>
public sealed class SubackFailure : IServerFault
{
    public string Name => "suback-failure";
    public string Summary => "SUBACK with return code 0x80 (failure) for --packet-id";
    public InjectedBytes Build(ServerFaultArgs args) => new([FaultPacket.Frame(0x90, [(byte)(args.Id >> 8), (byte)args.Id, 0x80])]);
}

/// <summary>A PUBREL for an id whose PUBLISH/PUBREC never happened (the server skipped steps of §4.3.3).</summary>
public sealed class PubrelBeforePubrec : IServerFault
{
    public string Name => "pubrel-before-pubrec";
    public string Summary => "PUBREL (0x62) for a QoS 2 id the module never received";
    public InjectedBytes Build(ServerFaultArgs args) => new([FaultPacket.Ack(0x62, args.Id)]);
}

/// <summary>A QoS 2 PUBLISH and its redelivery with DUP=1 under the same id, before any PUBREL ([MQTT-4.3.3-2]).</summary>
public sealed class DuplicateQos2 : IServerFault
{
    public string Name => "qos2-duplicate";
    public string Summary => "QoS 2 PUBLISH, then the same id again with DUP=1, no PUBREL in between ([MQTT-4.3.3-2])";
    public InjectedBytes Build(ServerFaultArgs args)
    {
        var topic = FaultPacket.Utf8(args.TopicOrDefault);
        return new([FaultPacket.Publish(0x34, topic, args.Id, "qos2-once"u8), FaultPacket.Publish(0x3C, topic, args.Id, "qos2-once"u8)]);
    }
}

/// <summary>A QoS 0 PUBLISH larger than the module's receive buffer (--size payload bytes, default 40000 &gt; 32772).</summary>
public sealed class OversizePacket : IServerFault
{
    public const int DefaultSize = 40000;
    public string Name => "oversize";
    public string Summary => $"QoS 0 PUBLISH with a --size byte payload (default {DefaultSize}, above the default rx buffer of 32772)";
    public InjectedBytes Build(ServerFaultArgs args) =>
        new([FaultPacket.Publish(0x30, FaultPacket.Utf8(args.TopicOrDefault), null, new byte[args.Size ?? DefaultSize])]);
}

/// <summary>A valid QoS 1 PUBLISH written in segments of --segment bytes (default 1), each its own TCP segment.</summary>
public sealed class SplitSegments : IServerFault
{
    public string Name => "split";
    public string Summary => "a valid QoS 1 PUBLISH written in --segment byte TCP segments (default 1)";
    public InjectedBytes Build(ServerFaultArgs args) =>
        new([FaultPacket.Publish(0x32, FaultPacket.Utf8(args.TopicOrDefault), args.Id, "split into tiny segments"u8)],
            Math.Max(1, args.Segment ?? 1), TimeSpan.FromMilliseconds(2));
}
