using Air780Bridge.Protocol.Values;

namespace Air780Bridge.Protocol.Messages;

/// <summary>Protocol versions (docs/protocol.md §4.1).</summary>
public static class ProtocolVersions
{
    /// <summary>Names, metas maps, payloads inside the CBOR array: what every agent and host understands.</summary>
    public const int Base = 1;

    /// <summary>Adds the compact request and event forms of §5.4 and §6.1.</summary>
    public const int Compact = 2;

    /// <summary>The versions this host speaks, lowest first.</summary>
    public static readonly IReadOnlyList<int> Supported = [Base, Compact];

    /// <summary>The highest version both lists hold (the rule of §4.1); 1 when they share nothing else.</summary>
    public static int Highest(IEnumerable<int> ours, IEnumerable<int> theirs) => ours.Intersect(theirs).Append(Base).Max();
}

/// <summary>
/// The compact forms of version 2 (docs/protocol.md §5.4, §6.1): a CBOR array led by an integer code, the payload as
/// the raw bytes after it. Decoding turns them back into the version-1 shapes, so nothing above the message layer
/// sees which form travelled. Encoding returns null where a compact form would not carry the message exactly.
/// </summary>
internal static class CompactForms
{
    private const long Publish = 1;
    private const long Recv = 1, Sent = 2;

    private static readonly string[] RecvKeys = ["qos", "retain", "dup", "message_id"];

    /// <summary>["mqtt.publish", h, topic, payload, qos?, retain?] as [1, h, topic, qos?, retain?] + payload.</summary>
    public static byte[]? EncodeRequest(RequestMessage m)
    {
        if (m.Method != "mqtt.publish" || m.Args.Length < 3 || Bytes(m.Args[2]) is not { } payload)
            return null;
        return WithTail(CborValues.Encode(new object?[] { Publish, m.Args[0], m.Args[1] }.Concat(m.Args[3..]).ToArray()), payload);
    }

    public static RequestMessage DecodeRequest(ushort id, object?[] items, ReadOnlyMemory<byte> tail) => items[0] switch
    {
        Publish => new RequestMessage(id, "mqtt.publish",
            [items.ElementAtOrDefault(1), items.ElementAtOrDefault(2), tail.ToArray(), .. items.Length > 3 ? items[3..] : []]),
        var code => throw new ProtocolFormatException($"REQUEST method code {code} is unknown (version 2 defines 1 = mqtt.publish)"),
    };

    /// <summary>recv as [1, h, topic, flags, message_id?] + payload; sent as [2, h, message_id].</summary>
    public static byte[]? EncodeEvent(EventMessage m)
    {
        var b = m.Body;
        if (b.Length < 3 || MessageCodec.AsText(b[0]) != "mqtt")
            return null;
        return MessageCodec.AsText(b[2]) switch
        {
            "recv" when b.Length == 6 && Bytes(b[3]) is { } topic && Bytes(b[4]) is { } payload && Flags(b[5]) is { } meta =>
                WithTail(CborValues.Encode(meta.MessageId is { } mid ? new object?[] { Recv, b[1], topic, meta.Flags, mid } : [Recv, b[1], topic, meta.Flags]),
                    payload),
            "sent" when b.Length == 4 && b[3] is long mid => CborValues.Encode(new object?[] { Sent, b[1], mid }),
            _ => null,
        };
    }

    public static EventMessage DecodeEvent(ushort seq, object?[] items, ReadOnlyMemory<byte> tail)
    {
        switch (items[0])
        {
            case Recv when items.Length is 4 or 5 && items[1] is long h && items[2] is byte[] or string && items[3] is long and >= 0 and <= 15
                           && (items.Length == 4 || items[4] is long):
                var flags = (long)items[3]!;
                var metas = new Dictionary<object, object?> { ["qos"] = (flags >> 1) & 3, ["retain"] = flags & 1, ["dup"] = (flags >> 3) & 1 };
                if (items.Length == 5)
                    metas["message_id"] = items[4];
                return new EventMessage(seq, ["mqtt", h, "recv", items[2], tail.ToArray(), metas]);
            case Sent when items.Length == 3 && items[1] is long h && items[2] is long && tail.Length == 0:
                return new EventMessage(seq, ["mqtt", h, "sent", items[2]]);
            case Recv or Sent:
                throw new ProtocolFormatException($"compact EVENT of kind {items[0]} with {items.Length} elements and {tail.Length} tail bytes does not match its layout (docs/protocol.md §6.1)");
            case var kind:
                throw new ProtocolFormatException($"compact EVENT kind {kind} is unknown (version 2 defines 1 = recv, 2 = sent)");
        }
    }

    // The metas a compact recv reproduces exactly: qos 0..3, retain and dup 0/1, an optional integer message_id, nothing else.
    private static (long Flags, long? MessageId)? Flags(object? metas)
    {
        if (metas is not IReadOnlyDictionary<object, object?> map || map.Keys.Any(k => k is not string s || !RecvKeys.Contains(s))
            || map.GetValueOrDefault("qos") is not (long and >= 0 and <= 3) || map.GetValueOrDefault("retain") is not (long and (0 or 1))
            || map.GetValueOrDefault("dup") is not (long and (0 or 1)))
            return null;
        var mid = map.GetValueOrDefault("message_id");
        if (mid is not (null or long))
            return null;
        return (((long)map["dup"]! << 3) | ((long)map["qos"]! << 1) | (long)map["retain"]!, (long?)mid);
    }

    private static byte[]? Bytes(object? value) => value switch
    {
        byte[] b => b,
        ReadOnlyMemory<byte> m => m.ToArray(),
        string s => System.Text.Encoding.UTF8.GetBytes(s),
        _ => null,
    };

    private static byte[] WithTail(byte[] head, byte[] tail)
    {
        var body = new byte[head.Length + tail.Length];
        head.CopyTo(body, 0);
        tail.CopyTo(body, head.Length);
        return body;
    }
}
