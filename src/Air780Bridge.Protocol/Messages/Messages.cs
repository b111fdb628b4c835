using System.Text;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Values;

namespace Air780Bridge.Protocol.Messages;

/// <summary>A decoded protocol message (docs/protocol.md §4-§6), either direction.</summary>
public abstract record ProtocolMessage(ushort Id);

/// <summary>HELLO_REQ; <see cref="Protos"/> are the versions the host offers (§4.1), none for a version-1 host (an empty body).</summary>
public sealed record HelloRequestMessage(ushort Id, IReadOnlyList<int>? Protos = null) : ProtocolMessage(Id);
public sealed record HelloMessage(ushort Id, HelloInfo Info) : ProtocolMessage(Id);
public sealed record PingMessage(ushort Id, byte[] Body) : ProtocolMessage(Id);
public sealed record PongMessage(ushort Id, byte[] Body) : ProtocolMessage(Id);
public sealed record RequestMessage(ushort Id, string Method, object?[] Args) : ProtocolMessage(Id);
public sealed record ResultMessage(ushort Id, object?[] Values) : ProtocolMessage(Id);
public sealed record ErrorMessage(ushort Id, string Kind, string Text) : ProtocolMessage(Id);
public sealed record CreditMessage(long Bytes) : ProtocolMessage(0);

/// <summary>An EVENT: <see cref="Seq"/> is the per-link sequence number; <see cref="Body"/> starts with the source.</summary>
public sealed record EventMessage(ushort Seq, object?[] Body) : ProtocolMessage(Seq)
{
    public string Source => Body.Length > 0 ? MessageCodec.AsText(Body[0]) ?? "" : "";
}

/// <summary>An unknown frame type: counted and ignored (forward compatibility).</summary>
public sealed record UnknownMessage(ushort Id, byte Type) : ProtocolMessage(Id);

/// <summary>Maps whole wire messages to typed messages and back. Pure.</summary>
public static class MessageCodec
{
    /// <summary>Decodes one message; any malformed body is a <see cref="ProtocolFormatException"/>, never another exception.</summary>
    public static ProtocolMessage Decode(WireMessage message)
    {
        try
        {
            return DecodeUnchecked(message);
        }
        // The body comes from the wire: whatever a decoder step throws on it is a format error of that message.
        catch (Exception e) when (e is not ProtocolFormatException)
        {
            throw new ProtocolFormatException($"{message.Type} body is malformed: {e.Message}", e);
        }
    }

    private static ProtocolMessage DecodeUnchecked(WireMessage message)
    {
        var body = message.Body;
        return message.Type switch
        {
            FrameType.HelloRequest => new HelloRequestMessage(message.Id, body.IsEmpty ? null : DecodeOffer(CborValues.Decode(body))),
            FrameType.Hello => new HelloMessage(message.Id, HelloInfo.FromMap(CborValues.Decode(body) as Dictionary<object, object?>
                ?? throw new ProtocolFormatException("HELLO body is not a map"))),
            FrameType.Ping => new PingMessage(message.Id, body.ToArray()),
            FrameType.Pong => new PongMessage(message.Id, body.ToArray()),
            FrameType.Request => DecodeRequest(message.Id, CborValues.DecodeArrayPrefix(body)),
            FrameType.Result => new ResultMessage(message.Id, CborValues.DecodeArray(body)),
            FrameType.Error => DecodeError(message.Id, CborValues.DecodeArray(body)),
            FrameType.Event => DecodeEvent(message.Id, CborValues.DecodeArrayPrefix(body)),
            FrameType.Credit => new CreditMessage(CborValues.Decode(body) is long n and >= 0 ? n
                : throw new ProtocolFormatException("CREDIT body is not an unsigned integer")),
            _ => new UnknownMessage(message.Id, (byte)message.Type),
        };
    }

    /// <summary>
    /// Encodes one message in the forms of protocol <paramref name="version"/>: from version 2 on, a publish request and
    /// recv/sent events take the compact form of §5.4/§6.1 where it carries them exactly.
    /// </summary>
    public static WireMessage Encode(ProtocolMessage message, int version = ProtocolVersions.Base) => message switch
    {
        HelloRequestMessage m => new(FrameType.HelloRequest, m.Id, m.Protos is { Count: > 0 } offer && offer.Any(v => v != ProtocolVersions.Base)
            ? CborValues.Encode(new Dictionary<object, object?> { ["protos"] = offer.Select(v => (object?)(long)v).ToArray() })
            : []),
        HelloMessage m => new(FrameType.Hello, m.Id, CborValues.Encode(m.Info.ToMap())),
        PingMessage m => new(FrameType.Ping, m.Id, m.Body),
        PongMessage m => new(FrameType.Pong, m.Id, m.Body),
        RequestMessage m => new(FrameType.Request, m.Id, (version >= ProtocolVersions.Compact ? CompactForms.EncodeRequest(m) : null)
            ?? CborValues.Encode(new object?[] { m.Method }.Concat(m.Args).ToArray())),
        ResultMessage m => new(FrameType.Result, m.Id, CborValues.Encode(m.Values)),
        ErrorMessage m => new(FrameType.Error, m.Id, CborValues.EncodeArray(m.Kind, m.Text)),
        EventMessage m => new(FrameType.Event, m.Seq, (version >= ProtocolVersions.Compact ? CompactForms.EncodeEvent(m) : null) ?? CborValues.Encode(m.Body)),
        CreditMessage m => new(FrameType.Credit, 0, CborValues.Encode(m.Bytes)),
        _ => throw new ArgumentException($"cannot encode {message.GetType().Name}"),
    };

    /// <summary>Lua strings arrive as byte strings; this reads either string form as text.</summary>
    public static string? AsText(object? value) => value switch
    {
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        _ => null,
    };

    // Both forms are read whatever version was negotiated: an integer first element marks the compact one (§4.1).
    private static RequestMessage DecodeRequest(ushort id, (object?[] Items, ReadOnlyMemory<byte> Tail) body) => body switch
    {
        ({ Length: > 0 } items, var tail) when items[0] is long => CompactForms.DecodeRequest(id, items, tail),
        (_, { Length: > 0 } tail) => throw CborValues.TrailingBytes(tail.Length),
        ({ Length: > 0 } items, _) when AsText(items[0]) is { } method => new RequestMessage(id, method, items[1..]),
        _ => throw new ProtocolFormatException("REQUEST body must start with the method name or code"),
    };

    private static EventMessage DecodeEvent(ushort seq, (object?[] Items, ReadOnlyMemory<byte> Tail) body) => body switch
    {
        ({ Length: > 0 } items, var tail) when items[0] is long => CompactForms.DecodeEvent(seq, items, tail),
        (_, { Length: > 0 } tail) => throw CborValues.TrailingBytes(tail.Length),
        (var items, _) => new EventMessage(seq, items),
    };

    private static IReadOnlyList<int> DecodeOffer(object? body) =>
        body is Dictionary<object, object?> map && map.GetValueOrDefault("protos") is object?[] protos && protos.All(p => p is long and > 0 and <= int.MaxValue)
            ? protos.Select(p => (int)(long)p!).ToArray()
            : throw new ProtocolFormatException("HELLO_REQ body must be empty or a map {protos: [versions]}");

    private static ErrorMessage DecodeError(ushort id, object?[] items) =>
        new(id, AsText(items.ElementAtOrDefault(0)) ?? "unknown", AsText(items.ElementAtOrDefault(1)) ?? "");
}
