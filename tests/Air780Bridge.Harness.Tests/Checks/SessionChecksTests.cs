using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Harness.Tests.Checks;

public class SessionChecksTests
{
    private static readonly CheckExpectation Expect = new()
    {
        ClientId = "mod", AutoReconnectMs = 3000, Will = new WillExpectation("dead", 1, false, 4), Profile = "air780e-v1120",
        SubscribeTopics = ["a", "b"],
    };

    /// <summary>Module on c1 with a will, subscriber "sub" on s1; c1 ends abruptly or after DISCONNECT.</summary>
    private static TimelineBuilder WillScenario(bool graceful, bool willPublished)
    {
        var b = new TimelineBuilder().Connect("s1", clientId: "sub").At(5).Connect("c1", will: "dead").At(100);
        if (graceful) b.Up("c1", "DISCONNECT");
        b.At(101).Close("c1");
        if (willPublished) b.At(102).Add(new() { Kind = "packet", Dir = "down", Conn = "s1", Type = "PUBLISH", Topic = "dead", Qos = 1, PacketId = 1, PayloadSize = 4 });
        // The trace runs on, so a will that did not come is known not to have come.
        return b.At(10_000).Up("s1", "PINGREQ");
    }

    [Fact]
    public void Will_pass_when_published_after_abrupt_loss_and_not_after_disconnect()
    {
        Assert.Equal(CheckVerdict.Pass, new WillCheck().Evaluate(WillScenario(graceful: false, willPublished: true).Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Pass, new WillCheck().Evaluate(WillScenario(graceful: true, willPublished: false).Context(Expect)).Verdict);
    }

    [Fact]
    public void Will_fail_when_published_after_disconnect_or_missing_after_loss()
    {
        var after = new WillCheck().Evaluate(WillScenario(graceful: true, willPublished: true).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, after.Verdict);
        Assert.Contains("although DISCONNECT", after.Explanation);
        Assert.Equal(CheckVerdict.Fail, new WillCheck().Evaluate(WillScenario(graceful: false, willPublished: false).Context(Expect)).Verdict);
    }

    [Fact]
    public void Will_inconclusive_without_subscriber_or_close()
    {
        var noSubscriber = new TimelineBuilder().Connect("c1", will: "dead").Close("c1").Context(Expect);
        Assert.Equal(CheckVerdict.Inconclusive, new WillCheck().Evaluate(noSubscriber).Verdict);
        var noClose = new TimelineBuilder().Connect("s1", clientId: "sub").Connect("c1", will: "dead").Context(Expect);
        Assert.Equal(CheckVerdict.Inconclusive, new WillCheck().Evaluate(noClose).Verdict);
    }

    [Fact]
    public void Reconnect_pass_reports_each_interval()
    {
        var r = new ReconnectPeriodCheck().Evaluate(TimelineBuilder.Drops(3000, 3100, 2900).Context(Expect));
        Assert.Equal(CheckVerdict.Pass, r.Verdict);
        Assert.Equal(["c1→c2: 3000 ms", "c2→c3: 3100 ms", "c3→c4: 2900 ms"], r.Measured);
    }

    [Fact]
    public void Reconnect_fail_on_backoff()
    {
        var r = new ReconnectPeriodCheck().Evaluate(TimelineBuilder.Drops(3000, 6000, 12000).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("2 of 3", r.Explanation);
    }

    [Fact]
    public void Reconnect_counts_attempts_that_fail_before_connect_and_ignores_other_clients()
    {
        var b = new TimelineBuilder().Connect("s1", clientId: "sub").Connect("c1").At(1000).Close("c1")
            .At(4000).Open("c2").At(4100).Close("c2")
            .At(7100).Connect("c3").At(7200).Close("s1");
        var r = new ReconnectPeriodCheck().Evaluate(b.Context(Expect));
        Assert.Equal(CheckVerdict.Pass, r.Verdict);
        Assert.Equal(["c1→c2: 3000 ms", "c2→c3: 3000 ms"], r.Measured);
    }

    [Fact]
    public void Reconnect_inconclusive_without_drop() =>
        Assert.Equal(CheckVerdict.Inconclusive, new ReconnectPeriodCheck().Evaluate(new TimelineBuilder().Connect("c1").Context(Expect)).Verdict);

    private static TimelineBuilder InFlightAtDrop(bool resend, bool dup) =>
        new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "t", 1, 5).At(20).Close("c1")
            .At(3020).Connect("c2").At(3030).Publish("c2", "up", resend ? "t" : "other", 1, resend ? 5 : 6, dup: dup);

    [Fact]
    public void NoResend_known_deviation_when_in_flight_publish_is_dropped()
    {
        var r = new NoResendAfterReconnectCheck().Evaluate(InFlightAtDrop(resend: false, dup: false).Context(Expect));
        Assert.Equal(CheckVerdict.KnownDeviation, r.Verdict);
        Assert.Equal(5, Assert.Single(r.Evidence).PacketId);
    }

    [Fact]
    public void NoResend_fail_when_trace_contradicts_reference()
    {
        Assert.Equal(CheckVerdict.Fail, new NoResendAfterReconnectCheck().Evaluate(InFlightAtDrop(resend: true, dup: false).Context(Expect)).Verdict);
        var dup = new NoResendAfterReconnectCheck().Evaluate(InFlightAtDrop(resend: true, dup: true).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, dup.Verdict);
        Assert.Contains("DUP=1", dup.Explanation);
    }

    [Fact]
    public void NoResend_counts_a_publish_whose_puback_the_tap_withheld_as_in_flight()
    {
        var ctx = new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 1, 5).Down("c1", "PUBACK", 5).Withheld("c1", "PUBACK", 5).Close("c1")
            .At(3020).Connect("c2").Context(Expect);
        Assert.Equal(CheckVerdict.KnownDeviation, new NoResendAfterReconnectCheck().Evaluate(ctx).Verdict);
    }

    [Fact]
    public void NoResend_inconclusive_when_nothing_in_flight()
    {
        var ctx = new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 1, 5).Down("c1", "PUBACK", 5).Close("c1").Context(Expect);
        Assert.Equal(CheckVerdict.Inconclusive, new NoResendAfterReconnectCheck().Evaluate(ctx).Verdict);
    }

    private static TimelineBuilder Subscribe(params (string Topic, int Id)[] subs)
    {
        var b = new TimelineBuilder().Connect("c1");
        foreach (var (topic, id) in subs)
            b.Add(new() { Kind = "packet", Dir = "up", Conn = "c1", Type = "SUBSCRIBE", Topic = topic, PacketId = id });
        return b;
    }

    [Fact]
    public void SubscribePerTopic_pass_fail_inconclusive()
    {
        var check = new SubscribePerTopicCheck();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Subscribe(("b", 1), ("a", 2)).Context(Expect)).Verdict);
        var one = check.Evaluate(Subscribe(("a", 1)).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, one.Verdict);
        Assert.Contains("b: 0", one.Explanation);
        Assert.Equal(CheckVerdict.Fail, check.Evaluate(Subscribe(("a", 1), ("b", 1)).Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(Subscribe(("a", 1)).Context(new() { ClientId = "mod" })).Verdict);
    }

    private static TimelineBuilder Retained(bool delivered, bool recv)
    {
        var b = new TimelineBuilder().Connect("p1", clientId: "pub").Publish("p1", "up", "r", 0, null, retain: true)
            .At(10).Connect("c1").At(20).Up("c1", "SUBSCRIBE", 1);
        if (delivered) b.At(30).Publish("c1", "down", "r", 0, null, retain: true);
        if (recv) b.At(31).Module("recv", topic: "r");
        return b;
    }

    [Fact]
    public void Retained_pass_fail_inconclusive()
    {
        var check = new RetainedDeliveryCheck();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Retained(true, true).Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Fail, check.Evaluate(Retained(false, false).Context(Expect)).Verdict);
        var noCallback = check.Evaluate(Retained(true, false).Context(Expect));
        Assert.Equal(CheckVerdict.Pass, noCallback.Verdict); // no module entries at all: only the wire can be judged
        var lost = new TimelineBuilder().Connect("p1", clientId: "pub").Publish("p1", "up", "r", 0, null, retain: true)
            .At(10).Connect("c1").Module("conack").At(20).Up("c1", "SUBSCRIBE", 1).At(30).Publish("c1", "down", "r", 0, null, retain: true);
        Assert.Equal(CheckVerdict.Fail, check.Evaluate(lost.Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(new TimelineBuilder().Connect("c1").Up("c1", "SUBSCRIBE", 1).Context(Expect)).Verdict);
    }

    private static TimelineBuilder Takeover(bool closed, bool evt)
    {
        // A rig's trace: module-side entries are there, so the module's "disconnect" is owed.
        var b = new TimelineBuilder().Module("connect").Connect("c1").At(100).Connect("c2");
        if (closed) b.At(101).Close("c1");
        if (evt) b.At(102).Module("disconnect");
        return b;
    }

    [Fact]
    public void DuplicateClientId_pass_fail_inconclusive()
    {
        var check = new DuplicateClientIdCheck();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Takeover(true, true).Context(Expect)).Verdict);
        var r = check.Evaluate(Takeover(true, false).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("no module disconnect", r.Explanation);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(TimelineBuilder.Drops(3000).Context(Expect)).Verdict);
    }

    // Regression (corpus, MQTTnet clean-session-off client in CI): DISCONNECT, then a new CONNECT with the same id
    // before the tap saw the old TCP close, was judged a takeover, and a bare wire trace was failed for lacking a
    // module-side "disconnect" it can never hold.
    [Fact]
    public void DuplicateClientId_a_disconnected_session_is_no_takeover_and_a_wire_trace_owes_no_module_event()
    {
        var check = new DuplicateClientIdCheck();
        var reconnect = new TimelineBuilder().Connect("c1").At(50).Up("c1", "DISCONNECT").At(100).Connect("c2").At(101).Close("c1");
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(reconnect.Context(Expect)).Verdict);
        var wireOnly = new TimelineBuilder().Connect("c1").At(100).Connect("c2");
        Assert.Equal(CheckVerdict.Fail, check.Evaluate(wireOnly.Context(Expect)).Verdict);
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(wireOnly.At(101).Close("c1").Context(Expect)).Verdict);
    }

    [Fact]
    public void Catalogue_runs_every_check_with_unique_ids_and_never_passes_an_empty_timeline()
    {
        var results = CheckCatalogue.Run(new CheckContext([], Expect with { KeepAliveSeconds = 60 }));
        Assert.Equal(CheckCatalogue.All.Count, results.Count);
        Assert.Equal(results.Count, results.Select(r => r.Id).Distinct().Count());
        Assert.All(results, r => Assert.Equal(CheckVerdict.Inconclusive, r.Verdict));
    }
}
