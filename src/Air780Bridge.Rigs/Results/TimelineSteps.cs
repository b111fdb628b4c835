using System.Text;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Results;

/// <summary>Turns harness wire-timeline entries into the short labels the sequence diagram draws.</summary>
public static class TimelineSteps
{
    public static IReadOnlyList<TimelineStep> From(IEnumerable<TimelineEntry> entries) => entries.Select(From).ToList();

    public static TimelineStep From(TimelineEntry e)
    {
        var conn = e.Conn ?? "";
        return e.Kind switch
        {
            "packet" => new TimelineStep(e.T, conn, e.Dir == "down" ? StepDir.Down : StepDir.Up, PacketLabel(e), PacketDetail(e)),
            "module" => new TimelineStep(e.T, conn, StepDir.Module, e.Type ?? "event", ModuleDetail(e)),
            "connection" => new TimelineStep(e.T, conn, StepDir.Tap, e.Type == "tls" ? "TLS handshake" : $"TCP {e.Type}", e.Detail),
            "fault" => new TimelineStep(e.T, conn, StepDir.Tap, $"fault: {e.Type}", e.Detail),
            "malformed" => new TimelineStep(e.T, conn, e.Dir == "down" ? StepDir.Down : StepDir.Up, "MALFORMED", e.Detail ?? e.Raw),
            _ => new TimelineStep(e.T, conn, StepDir.Tap, e.Type is null ? e.Kind : $"{e.Kind}: {e.Type}", e.Detail),
        };
    }

    private static string PacketLabel(TimelineEntry e)
    {
        var s = new StringBuilder(e.Type ?? "?");
        if (e.PacketId is { } id) s.Append(" id=").Append(id);
        if (e.Type == "PUBLISH")
        {
            s.Append(" q").Append(e.Qos ?? 0);
            if (e.Dup == true) s.Append(" dup");
            if (e.Retain == true) s.Append(" retain");
        }
        if (e.Code is { } code && e.Type is "CONNACK" or "SUBACK") s.Append(" rc=").Append(code);
        return s.ToString();
    }

    private static string? PacketDetail(TimelineEntry e)
    {
        var parts = new List<string>();
        if (e.Type == "CONNECT")
        {
            if (e.ClientId is not null) parts.Add($"client={e.ClientId}");
            if (e.KeepAlive is { } ka) parts.Add($"keepalive={ka}s");
            if (e.CleanSession is { } clean) parts.Add(clean ? "clean" : "persistent");
            if (e.WillTopic is not null) parts.Add($"will={e.WillTopic} q{e.WillQos ?? 0}");
        }
        if (e.Topic is not null) parts.Add(e.Topic);
        if (e.PayloadSize is { } size) parts.Add($"{size} B");
        if (e.Detail is not null) parts.Add(e.Detail);
        return parts.Count == 0 ? null : string.Join("  ", parts);
    }

    private static string? ModuleDetail(TimelineEntry e)
    {
        var parts = new List<string>();
        if (e.Topic is not null) parts.Add(e.Topic);
        if (e.Code is { } code) parts.Add($"code={code}");
        if (e.Detail is not null) parts.Add(e.Detail);
        return parts.Count == 0 ? null : string.Join("  ", parts);
    }
}
