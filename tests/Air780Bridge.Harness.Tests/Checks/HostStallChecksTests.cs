using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Harness.Tests.Checks;

/// <summary>
/// A timing check does not blame the module for lateness this machine's own stall can explain (a loaded test run failed
/// reconnect.period at 1255 ms against 1000 ± 250 ms), and still fails what a stall cannot explain, by its size or its place.
/// </summary>
public class HostStallChecksTests
{
    private static readonly CheckExpectation Expect = new() { ClientId = "mod", AutoReconnectMs = 1000, KeepAliveSeconds = 60, Profile = "air780e-v1120" };

    /// <summary><see cref="TimelineBuilder.Drops"/> with a stall of <paramref name="stallMs"/> ending at <paramref name="stallAtMs"/> when given.</summary>
    private static CheckContext Reconnects(double[] gapsMs, double? stallAtMs = null, double stallMs = 0)
    {
        var b = TimelineBuilder.Drops(gapsMs);
        if (stallAtMs is { } at) b.At(at).Stall(stallMs);
        return b.Context(Expect);
    }

    [Theory]
    [InlineData(1255, 2250, 250)] // the process stalled when the reconnect was due
    [InlineData(1255, 1040, 40)]  // just after the close: the timer started late
    [InlineData(700, 1000, 100)]  // early by 50 ms: the close was recorded late
    public void A_reconnect_off_by_less_than_a_stall_that_could_move_it_is_not_judged_and_names_the_stall(double gap, double stallAt, double stall)
    {
        var r = new ReconnectPeriodCheck().Evaluate(Reconnects([gap], stallAt, stall));
        Assert.Equal(CheckVerdict.Inconclusive, r.Verdict);
        Assert.Contains("stalled", r.Explanation);
        Assert.Contains($"{stall:0} ms", r.Explanation);
        Assert.Contains(r.Evidence, e => e.Kind == "host");
    }

    [Fact]
    public void The_same_reconnect_without_a_stall_fails()
    {
        var r = new ReconnectPeriodCheck().Evaluate(Reconnects([1255]));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("1255 ms", string.Join(" ", r.Measured));
    }

    [Theory]
    [InlineData(1600, 2550, 250)] // off by 350 ms: a 250 ms stall does not explain it
    [InlineData(1255, 500, 250)]  // the stall ended before the close
    [InlineData(1255, 2600, 250)] // or began after the reconnect
    [InlineData(1255, 1500, 250)] // or fell in the middle of the wait, which it cannot lengthen
    public void A_stall_that_cannot_explain_the_lateness_leaves_the_fail(double gap, double stallAt, double stall) =>
        Assert.Equal(CheckVerdict.Fail, new ReconnectPeriodCheck().Evaluate(Reconnects([gap], stallAt, stall)).Verdict);

    [Fact]
    public void One_interval_a_stall_explains_does_not_excuse_another_it_does_not()
    {
        // c1→c2 1255 ms with a stall when it was due; c2→c3 3000 ms (backoff), no stall near it.
        var r = new ReconnectPeriodCheck().Evaluate(Reconnects([1255, 3000], stallAtMs: 2250, stallMs: 250));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("1 of 2", r.Explanation);
    }

    [Fact]
    public void A_ping_interval_off_by_less_than_a_stall_is_not_judged_and_without_it_fails()
    {
        // keepalive 60: PINGREQ every 45 s ± 2.25 s; 47.5 s is 250 ms outside.
        TimelineBuilder Pings() => new TimelineBuilder().Connect("c1").At(45_000).Up("c1", "PINGREQ").At(92_500).Up("c1", "PINGREQ");
        Assert.Equal(CheckVerdict.Fail, new PingPeriodCheck().Evaluate(Pings().Context(Expect)).Verdict);
        var stalled = new PingPeriodCheck().Evaluate(Pings().At(92_000).Stall(300).Context(Expect));
        Assert.Equal(CheckVerdict.Inconclusive, stalled.Verdict);
        Assert.Contains(stalled.Evidence, e => e.Kind == "host");
    }

    [Fact]
    public void One_stall_both_probes_report_counts_once()
    {
        // 250 ms off; the thread and the pool probe each report the same 150 ms.
        var r = new PingPeriodCheck().Evaluate(new TimelineBuilder().Connect("c1").At(45_000).Up("c1", "PINGREQ")
            .At(92_000).Stall(150).Stall(150).At(92_500).Up("c1", "PINGREQ").Context(Expect));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
    }

    [Fact]
    public void A_silence_past_the_keep_alive_by_less_than_a_stall_is_not_judged_and_without_it_fails()
    {
        // keepalive 60: at most 63 s silent; 63.2 s from the CONNECT to the next packet.
        TimelineBuilder Silent() => new TimelineBuilder().Connect("c1").At(63_200).Up("c1", "PINGREQ");
        Assert.Equal(CheckVerdict.Fail, new KeepaliveLimitCheck().Evaluate(Silent().Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, new KeepaliveLimitCheck().Evaluate(Silent().At(63_200).Stall(300).Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Fail, new KeepaliveLimitCheck().Evaluate(Silent().At(63_200).Stall(100).Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Fail, new KeepaliveLimitCheck().Evaluate(Silent().At(30_000).Stall(300).Context(Expect)).Verdict);
    }

    [Fact]
    public void One_modules_timeline_keeps_the_process_stalls_and_its_own_twin_stalls_not_another_twins()
    {
        var t = new TimelineBuilder().Module("auth").Add(new() { Kind = "module", Conn = "m2", Type = "auth" })
            .Stall(30).Add(new() { Kind = "host", Type = "stall", Conn = "m1", DurationUs = 40_000 }).Add(new() { Kind = "host", Type = "stall", Conn = "m2", DurationUs = 50_000 })
            .Build();
        Assert.Equal([null, "m1"], Wire.ForModule(t, "m1", null, out _).Where(e => e.Kind == "host").Select(e => e.Conn));
        Assert.Equal(3, Wire.ForModule(t, null, null, out _).Count(e => e.Kind == "host"));
    }
}
