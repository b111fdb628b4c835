namespace Air780Bridge.Harness.Checks;

public sealed class PingPeriodCheck : Check
{
    public override string Id => CheckIds.KeepalivePingPeriod;
    public override string Title => "PINGREQ every 3/4 of keepalive";
    public override string Statement => "PINGREQ is sent by a periodic timer of keepalive*1000*3/4 ms, not reset by other traffic.";
    protected override string? Reference => "luatos-mqtt-behaviour.md §7";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        if (ctx.Expectation.KeepAliveSeconds is not { } ka) return Inconclusive("keepalive not configured in the expectation", "n/a");
        var period = ka * 1000 * 3 / 4; // integer math as in the firmware
        var allowed = ctx.Tolerances.Range(period);
        var intervals = new List<(double Ms, Timeline.TimelineEntry From, Timeline.TimelineEntry To)>();
        foreach (var conn in Wire.ModuleConnections(ctx))
        {
            var pings = ctx.Timeline.Where(e => e.Conn == conn && e.IsPacket("PINGREQ", "up")).ToList();
            for (var i = 1; i < pings.Count; i++) intervals.Add((Wire.Ms(pings[i - 1].T, pings[i].T), pings[i - 1], pings[i]));
        }
        if (intervals.Count == 0) return Inconclusive("fewer than two PINGREQ on one connection; record longer than 1.5 periods", allowed);
        var bad = intervals.Where(i => !ctx.Tolerances.Within(period, i.Ms)).ToList();
        var measured = intervals.Select(i => $"{i.Ms:0} ms");
        var timing = new CheckTiming("PINGREQ interval", intervals.Select(i => i.Ms).ToList(), ctx.Tolerances.RangeFor(period));
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{intervals.Count} ping interval(s) within tolerance", allowed, measured, intervals.SelectMany(i => new[] { i.From, i.To }).Distinct(), timing)
            : Result(CheckVerdict.Fail, $"{bad.Count} of {intervals.Count} ping interval(s) outside {allowed}", allowed, measured, bad.SelectMany(i => new[] { i.From, i.To }).Distinct(), timing);
    }
}

public sealed class KeepaliveLimitCheck : Check
{
    public override string Id => CheckIds.KeepaliveLimit;
    public override string Title => "Never silent for 1.5x keepalive";
    public override string Statement => "The gap between two module-to-broker packets never exceeds 1.5 times the keepalive.";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        if (ctx.Expectation.KeepAliveSeconds is not { } ka) return Inconclusive("keepalive not configured in the expectation", "n/a");
        var limit = ka * 1500.0;
        var allowed = $"≤ {limit:0} ms";
        var gaps = new List<(double Ms, Timeline.TimelineEntry From, Timeline.TimelineEntry To)>();
        foreach (var conn in Wire.ModuleConnections(ctx))
        {
            var up = ctx.Timeline.Where(e => e.Conn == conn && e.IsUp()).ToList();
            for (var i = 1; i < up.Count; i++) gaps.Add((Wire.Ms(up[i - 1].T, up[i].T), up[i - 1], up[i]));
        }
        if (gaps.Count == 0) return Inconclusive("fewer than two module-to-broker packets on one connection", allowed);
        var worst = gaps.MaxBy(g => g.Ms);
        var measured = new[] { $"longest gap {worst.Ms:0} ms over {gaps.Count} gap(s)" };
        var timing = new CheckTiming("gap between module packets", gaps.Select(g => g.Ms).ToList(), AllowedRange.AtMost(limit));
        return timing.Allowed.Contains(worst.Ms)
            ? Result(CheckVerdict.Pass, "module never silent beyond the limit", allowed, measured, [worst.From, worst.To], timing)
            : Result(CheckVerdict.Fail, $"module silent for {worst.Ms:0} ms, beyond 1.5 × {ka} s", allowed, measured, [worst.From, worst.To], timing);
    }
}
