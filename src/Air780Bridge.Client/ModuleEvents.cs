using System.Text;
using Air780Bridge.Protocol;
using Air780Bridge.Protocol.Messages;

namespace Air780Bridge.Client;

/// <summary>Something the module (or the link to it) reported. <see cref="T"/> is microseconds on the shared timeline clock.</summary>
public abstract record ModuleEvent(long T);

/// <summary>
/// An mqtt client's on() callback ran with (client, event, a, b, c): conack, recv, sent, disconnect, close, pong,
/// suback, unsuback, error. Accessors read the arguments the way each event uses them.
/// </summary>
public sealed record MqttEvent(long T, long Handle, string Name, object?[] Args) : ModuleEvent(T)
{
    /// <summary>recv: the topic.</summary>
    public string? Topic => Name == "recv" ? MessageCodec.AsText(Args.ElementAtOrDefault(0)) : null;

    /// <summary>recv: the payload bytes.</summary>
    public byte[]? Payload => Name == "recv" ? Args.ElementAtOrDefault(1) as byte[] : null;

    /// <summary>recv: metas (qos, retain, dup, message_id on current firmware).</summary>
    public IReadOnlyDictionary<object, object?>? Metas => Name == "recv" ? Args.ElementAtOrDefault(2) as IReadOnlyDictionary<object, object?> : null;

    /// <summary>sent: the message id.</summary>
    public long? MessageId => Name == "sent" ? Args.ElementAtOrDefault(0) as long? : Metas?.GetValueOrDefault("message_id") as long?;

    /// <summary>disconnect: the code (0, CONNACK code, -2); suback/error: the code argument.</summary>
    public long? Code => Name switch
    {
        "disconnect" => IntArg(0),
        "suback" or "error" => IntArg(1),
        _ => null,
    };

    /// <summary>Argument <paramref name="i"/> as an integer. Older firmware passes some integers as Lua floats (e.g.
    /// disconnect codes on v1112), so both are read.</summary>
    public long? IntArg(int i) => Args.ElementAtOrDefault(i) switch { long l => l, double d => (long)d, _ => null };

    /// <summary>error: the kind ("connect", "tx", "conack", "other", "timeout").</summary>
    public string? ErrorKind => Name == "error" ? MessageCodec.AsText(Args.ElementAtOrDefault(0)) : null;

    public override string ToString() => $"{Name}({string.Join(", ", Args.Select(Describe))}) on client {Handle}";

    internal static string Describe(object? v) => v switch
    {
        null => "nil",
        byte[] b when b.All(x => x is >= 0x20 and < 0x7F) => $"\"{Encoding.ASCII.GetString(b)}\"",
        byte[] b => $"<{b.Length} bytes>",
        IReadOnlyDictionary<object, object?> m => "{" + string.Join(", ", m.Select(kv => $"{kv.Key}={Describe(kv.Value)}")) + "}",
        bool x => x ? "true" : "false",
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>A sys.publish message the agent forwards (MQTT_PONG; MQTT_CONNACK/MQTT_DISCONNECT on legacy firmware).</summary>
public sealed record SysEvent(long T, string Name, long? Handle, object?[] Args) : ModuleEvent(T);

/// <summary>The agent dropped events because its outbound queue was full.</summary>
public sealed record EventsDroppedEvent(long T, long Count) : ModuleEvent(T);

/// <summary>Events were lost on the link (the sequence numbers skipped).</summary>
public sealed record EventGapEvent(long T, ushort Expected, ushort Got, int Lost) : ModuleEvent(T);

/// <summary>The module booted again; client handles are gone.</summary>
public sealed record ModuleRebootedEvent(long T, string? OldBootId, string NewBootId) : ModuleEvent(T);

/// <summary>The port vanished (Up = false) or was reopened.</summary>
public sealed record LinkStateEvent(long T, bool Up, string Reason) : ModuleEvent(T);

internal static class ModuleEventMapper
{
    public static ModuleEvent? From(Link.LinkNotice notice)
    {
        var t = MonotonicClock.NowUs;
        return notice switch
        {
            Link.ModuleEventNotice { Event.Body: var body } => FromBody(t, body),
            Link.EventGapNotice g => new EventGapEvent(t, g.Expected, g.Got, g.Lost),
            Link.RebootNotice r => new ModuleRebootedEvent(t, r.OldBootId, r.Hello.BootId),
            Link.LinkStateNotice s => new LinkStateEvent(t, s.Up, s.Reason),
            _ => null,
        };
    }

    private static ModuleEvent? FromBody(long t, object?[] body) => MessageCodec.AsText(body.ElementAtOrDefault(0)) switch
    {
        "mqtt" when body.ElementAtOrDefault(1) is long h && MessageCodec.AsText(body.ElementAtOrDefault(2)) is { } name
            => new MqttEvent(t, h, name, body[3..]),
        "sys" when MessageCodec.AsText(body.ElementAtOrDefault(1)) is { } name
            => new SysEvent(t, name, body.ElementAtOrDefault(2) as long?, body.Length > 3 ? body[3..] : []),
        "agent" when MessageCodec.AsText(body.ElementAtOrDefault(1)) == "dropped" && body.ElementAtOrDefault(2) is long n
            => new EventsDroppedEvent(t, n),
        _ => null,
    };
}
