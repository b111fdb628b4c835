using System.Text;

namespace Air780Bridge.Harness.Timeline;

/// <summary>One readable line per entry for consoles: time in ms since <c>originUs</c>, connection, arrow, type, key fields.</summary>
public static class TimelineText
{
    public static string Line(TimelineEntry e, long originUs)
    {
        var arrow = e.Dir switch { "up" => "->", "down" => "<-", _ => "  " };
        var text = new StringBuilder($"{(e.T - originUs) / 1000.0,10:0.0} {e.Conn ?? "-",-4} {arrow} {(e.Kind == "packet" ? e.Type : $"{e.Kind}:{e.Type}")}");
        void Add(string name, object? value) { if (value is not null) text.Append(' ').Append(name).Append('=').Append(value); }
        Add("id", e.PacketId);
        Add("topic", e.Topic);
        Add("qos", e.Qos);
        if (e.Dup == true) text.Append(" dup");
        if (e.Retain == true) text.Append(" retain");
        Add("bytes", e.PayloadSize);
        Add("rc", e.Code);
        Add("client", e.ClientId);
        Add("user", e.Username);
        Add("clean", e.CleanSession);
        Add("keepalive", e.KeepAlive);
        Add("will", e.WillTopic);
        Add("raw", e.Raw);
        Add("detail", e.Detail);
        return text.ToString();
    }
}
