using System.Buffers;
using System.Text;
using System.Text.Json;
using Air780Bridge.Client;

namespace Air780Bridge.Cli.Commands;

/// <summary>
/// Lua values and module events as JSON for scripts: byte strings become text when they are UTF-8, else {"hex": ...}.
/// Written with Utf8JsonWriter, not JsonSerializer: reflection-based serialisation cost a one-shot `air780 mqtt`
/// call tens of milliseconds of start-up.
/// </summary>
internal static class JsonLines
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    // Events carry the process's monotonic clock; scripts compare lines across invocations, so print wall-clock time.
    private static readonly long EpochOffsetUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 - Protocol.MonotonicClock.NowUs;

    /// <summary>A Lua value (a call's results are an array of them) as one line of JSON.</summary>
    public static string Value(object? v) => Line(w => WriteValue(w, v));

    /// <summary>One event as a JSON line; t_us is microseconds since the Unix epoch.</summary>
    public static string Event(ModuleEvent e) => Line(w => WriteEvent(w, e));

    /// <summary>One JSON text built by <paramref name="write"/>.</summary>
    public static string Line(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteValue(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case double d: w.WriteNumberValue(d); break;
            case string s: w.WriteStringValue(s); break;
            case byte[] bytes: WriteBytes(w, bytes); break;
            case IReadOnlyDictionary<object, object?> map:
                w.WriteStartObject();
                foreach (var (key, value) in map)
                {
                    w.WritePropertyName(key.ToString()!);
                    WriteValue(w, value);
                }
                w.WriteEndObject();
                break;
            case object?[] list:
                w.WriteStartArray();
                foreach (var item in list)
                    WriteValue(w, item);
                w.WriteEndArray();
                break;
            default: throw new ArgumentException($"no JSON form for a {v.GetType().Name} value", nameof(v));
        }
    }

    public static void WriteEvent(Utf8JsonWriter w, ModuleEvent e)
    {
        w.WriteStartObject();
        w.WriteNumber("t_us", e.T + EpochOffsetUs);
        switch (e)
        {
            case MqttEvent m:
                w.WriteString("event", m.Name);
                w.WriteNumber("handle", m.Handle);
                w.WritePropertyName("args");
                WriteValue(w, m.Args);
                break;
            case SysEvent s:
                w.WriteString("event", "sys");
                w.WriteString("name", s.Name);
                w.WritePropertyName("handle");
                WriteValue(w, s.Handle);
                w.WritePropertyName("args");
                WriteValue(w, s.Args);
                break;
            case EventsDroppedEvent d:
                w.WriteString("event", "agent.dropped");
                w.WriteNumber("count", d.Count);
                break;
            case EventGapEvent g:
                w.WriteString("event", "link.gap");
                w.WriteNumber("expected", g.Expected);
                w.WriteNumber("got", g.Got);
                w.WriteNumber("lost", g.Lost);
                break;
            case ModuleRebootedEvent r:
                w.WriteString("event", "module.rebooted");
                w.WriteString("old_boot_id", r.OldBootId);
                w.WriteString("boot_id", r.NewBootId);
                break;
            case LinkStateEvent l:
                w.WriteString("event", l.Up ? "link.up" : "link.down");
                w.WriteString("reason", l.Reason);
                break;
            default:
                w.WriteString("event", e.GetType().Name);
                break;
        }
        w.WriteEndObject();
    }

    private static void WriteBytes(Utf8JsonWriter w, byte[] bytes)
    {
        try
        {
            w.WriteStringValue(StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            w.WriteStartObject();
            w.WriteString("hex", Convert.ToHexString(bytes));
            w.WriteEndObject();
        }
    }
}
