using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tap;

/// <summary>Logs violations as warnings, at most one line per type per second (a flood of hostile connections must
/// not flood the log as well; the timeline and the counts keep every one).</summary>
internal sealed class ViolationLog(Serilog.ILogger log)
{
    private readonly Dictionary<string, (long LastUs, int Suppressed)> _last = new();

    public void Write(TimelineEntry entry)
    {
        var type = entry.Type ?? "violation";
        int suppressed;
        lock (_last)
        {
            var seen = _last.TryGetValue(type, out var last) ? last : (LastUs: long.MinValue / 2, Suppressed: 0);
            if (entry.T - seen.LastUs < 1_000_000)
            {
                _last[type] = (seen.LastUs, seen.Suppressed + 1);
                return;
            }
            suppressed = seen.Suppressed;
            _last[type] = (entry.T, 0);
        }
        log.Warning("tap {Conn}: {Violation}: {Detail}{More}", entry.Conn, type, entry.Detail,
            suppressed > 0 ? $" ({suppressed} more {type} in the last second, on the timeline)" : "");
    }
}
