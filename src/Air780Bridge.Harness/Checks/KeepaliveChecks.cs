using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

public sealed class PingPeriodCheck : Check
{
    public override string Id => CheckIds.KeepalivePingPeriod;
    public override string Title => "PINGREQ every 3/4 of keepalive";
    public override string Statement => "PINGREQ is sent by a periodic timer of keepalive*1000*3/4 ms, not reset by other traffic.";
    protected override string? Reference => "luatos-mqtt-behaviour.md §7";
    public override CheckSubject Subject => CheckSubject.Firmware;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        if (ctx.Expectation.Firmware is null) return Inconclusive("a LuatOS timer rule: judged only with a firmware profile (--profile)", "n/a");
        if (ctx.Expectation.KeepAliveSeconds is not { } ka) return Inconclusive("keepalive not configured in the expectation", "n/a");
        var period = FirmwareExpectations.PingPeriodMs(ka);
        var allowed = ctx.Tolerances.Range(period);
        var intervals = new List<(double Ms, Timeline.TimelineEntry From, Timeline.TimelineEntry To)>();
        foreach (var conn in Wire.ModuleConnections(ctx))
        {
            var pings = ctx.Timeline.Where(e => e.Conn == conn && e.IsPacket("PINGREQ", "up")).ToList();
            for (var i = 1; i < pings.Count; i++) intervals.Add((Wire.Ms(pings[i - 1].T, pings[i].T), pings[i - 1], pings[i]));
        }
        if (intervals.Count == 0) return Inconclusive("fewer than two PINGREQ on one connection; record longer than 1.5 periods", allowed);
        var (bad, stalled, stalls) = OffTolerance(ctx, intervals, i => ctx.Tolerances.Interval(i.From.T, i.To.T, period));
        var measured = intervals.Select(i => $"{i.Ms:0} ms").ToList();
        var timing = new CheckTiming("PINGREQ interval", intervals.Select(i => i.Ms).ToList(), ctx.Tolerances.RangeFor(period));
        if (bad.Count == 0 && stalled.Count > 0)
            return HostStalled(stalled.Count, intervals.Count, "ping interval(s)", allowed, measured, stalls, stalled.SelectMany(i => new[] { i.From, i.To }).Distinct(), timing);
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{intervals.Count} ping interval(s) within tolerance", allowed, measured, intervals.SelectMany(i => new[] { i.From, i.To }).Distinct(), timing)
            : Result(CheckVerdict.Fail, $"{bad.Count} of {intervals.Count} ping interval(s) outside {allowed}: " + string.Join("; ", bad.Select(i => $"{Wire.Cite(i.From)} → {Wire.Cite(i.To)} {i.Ms:0} ms")), allowed, measured, bad.SelectMany(i => new[] { i.From, i.To }).Distinct(), timing);
    }
}

/// <summary>
/// [MQTT-3.1.2-23]: the client never lets more than its Keep Alive pass between two packets it sends. The keep alive is
/// the one its CONNECT declared; the silence runs to the next packet, else to the close (whoever closed: a broker
/// dropping a silent client at 1.5 × keep alive does not excuse the silence), else to the end of the trace.
/// </summary>
public sealed class KeepaliveLimitCheck : Check
{
    public override string Id => CheckIds.KeepaliveLimit;
    public override string Title => "Never silent beyond the keep alive";
    public override string Statement => "The gap between two packets the client sends, or from its last packet to the close, never exceeds the Keep Alive its CONNECT declared (0 disables it); measured until its DISCONNECT.";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var gaps = new List<(double Ms, double LimitMs, TimelineEntry From, TimelineEntry? To)>();
        var end = ctx.Timeline.Count == 0 ? 0 : ctx.Timeline.Max(e => e.T);
        foreach (var c in Wire.ClientConnections(ctx))
        {
            // Judged once the broker accepted the CONNECT: a client waiting for a CONNACK that never comes is not idle.
            if (c.Connect is not { KeepAlive: > 0 and var ka } || !c.Accepted) continue;
            var limit = ka * 1000.0 + ctx.Tolerances.AllowanceMs(ka * 1000.0);
            var sent = c.Entries.Where(e => e.IsSent()).ToList();
            var stop = sent.FindIndex(e => e.Type == "DISCONNECT");
            if (stop >= 0) sent = sent[..(stop + 1)];
            for (var i = 1; i < sent.Count; i++) gaps.Add((Wire.Ms(sent[i - 1].T, sent[i].T), limit, sent[i - 1], sent[i]));
            if (stop < 0 && sent.Count > 0) gaps.Add((Wire.Ms(sent[^1].T, c.Close?.T ?? end), limit, sent[^1], c.Close));
        }
        if (gaps.Count == 0) return Inconclusive("no accepted connection with a non-zero keep alive", "gap ≤ keep alive");
        var allowed = string.Join(", ", gaps.Select(g => g.LimitMs).Distinct().Select(l => $"≤ {l:0} ms"));
        var (bad, stalled, stalls) = OffTolerance(ctx, gaps, g => new TimedInterval(g.From.T, g.To?.T ?? end, g.LimitMs, 0, LateOnly: true));
        var worst = gaps.MaxBy(g => g.Ms);
        string Describe((double Ms, double LimitMs, TimelineEntry From, TimelineEntry? To) g) =>
            $"{g.Ms:0} ms from {Wire.Cite(g.From)} to {(g.To is null ? "the end of the trace" : g.To.Kind == "connection" ? $"the close ({g.To.Detail})" : Wire.Cite(g.To))}";
        var measured = new[] { $"longest silence {Describe(worst)} over {gaps.Count} gap(s)" };
        // One chart when every connection had the same keep alive: its band is the limit each gap was judged against.
        var limits = gaps.Select(g => g.LimitMs).Distinct().ToList();
        var timing = limits.Count == 1 ? new CheckTiming("silence between client packets", gaps.Select(g => g.Ms).ToList(), AllowedRange.AtMost(limits[0])) : null;
        if (bad.Count == 0 && stalled.Count > 0)
            return HostStalled(stalled.Count, gaps.Count, "silence(s)", allowed, [.. measured, .. stalled.Select(Describe)], stalls,
                stalled.SelectMany(g => new[] { g.From, g.To }).OfType<TimelineEntry>().Distinct(), timing);
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, "the client was never silent beyond its keep alive", allowed, measured, new[] { worst.From, worst.To }.OfType<TimelineEntry>(), timing)
            : Result(CheckVerdict.Fail, $"{bad.Count} silence(s) beyond the keep alive: " + string.Join("; ", bad.Take(5).Select(Describe)), allowed,
                [.. measured, .. bad.Select(Describe)], bad.SelectMany(g => new[] { g.From, g.To }).OfType<TimelineEntry>().Distinct(), timing);
    }
}
