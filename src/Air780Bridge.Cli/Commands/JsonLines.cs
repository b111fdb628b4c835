using System.Text;
using System.Text.Json;
using Air780Bridge.Client;

namespace Air780Bridge.Cli.Commands;

/// <summary>Lua values and module events as JSON for scripts: byte strings become text when they are UTF-8, else {"hex": ...}.</summary>
internal static class JsonLines
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static object? Value(object? v) => v switch
    {
        byte[] bytes => Text(bytes),
        IReadOnlyDictionary<object, object?> map => map.ToDictionary(kv => kv.Key.ToString()!, kv => Value(kv.Value)),
        object?[] list => list.Select(Value).ToArray(),
        _ => v,
    };

    // Events carry the process's monotonic clock; scripts compare lines across invocations, so print wall-clock time.
    private static readonly long EpochOffsetUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 - Protocol.MonotonicClock.NowUs;

    /// <summary>One event as a JSON line; t_us is microseconds since the Unix epoch.</summary>
    public static string Event(ModuleEvent e) => JsonSerializer.Serialize<object>(Shape(e with { T = e.T + EpochOffsetUs }));

    private static object Shape(ModuleEvent e) => e switch
    {
        MqttEvent m => new { t_us = m.T, @event = m.Name, handle = m.Handle, args = Value(m.Args) },
        SysEvent s => new { t_us = s.T, @event = "sys", name = s.Name, handle = s.Handle, args = Value(s.Args) },
        EventsDroppedEvent d => new { t_us = d.T, @event = "agent.dropped", count = d.Count },
        EventGapEvent g => new { t_us = g.T, @event = "link.gap", expected = g.Expected, got = g.Got, lost = g.Lost },
        ModuleRebootedEvent r => new { t_us = r.T, @event = "module.rebooted", old_boot_id = r.OldBootId, boot_id = r.NewBootId },
        LinkStateEvent l => new { t_us = l.T, @event = l.Up ? "link.up" : "link.down", reason = l.Reason },
        _ => new { t_us = e.T, @event = e.GetType().Name },
    };

    private static object Text(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return new { hex = Convert.ToHexString(bytes) };
        }
    }
}
