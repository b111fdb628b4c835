using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tests.Checks;

public class PublishChecksTests
{
    [Fact]
    public void Qos1_pass_when_sent_follows_puback()
    {
        var ctx = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "t", 1, 1).At(20).Down("c1", "PUBACK", 1).At(25).Module("sent", 1).Context();
        Assert.Equal(CheckVerdict.Pass, new OutboundFlowCheck(1).Evaluate(ctx).Verdict);
    }

    [Fact]
    public void Qos1_fail_when_sent_precedes_puback()
    {
        var ctx = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "t", 1, 1).At(12).Module("sent", 1).At(20).Down("c1", "PUBACK", 1).Context();
        var r = new OutboundFlowCheck(1).Evaluate(ctx);
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("before the PUBACK at 20000us", r.Explanation);
    }

    [Fact]
    public void Qos1_order_allows_the_clock_skew_of_a_remote_tap_and_no_more()
    {
        // sent is 1 ms before the PUBACK as placed on this clock: within a 2 ms skew it cannot be called early.
        var ctx = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "t", 1, 1).At(20).Down("c1", "PUBACK", 1).At(19).Module("sent", 1).Context();
        Assert.Equal(CheckVerdict.Fail, new OutboundFlowCheck(1).Evaluate(ctx).Verdict);
        Assert.Equal(CheckVerdict.Pass, new OutboundFlowCheck(1).Evaluate(ctx with { Tolerances = new CheckTolerances { ClockSkewUs = 2000 } }).Verdict);
    }

    [Fact]
    public void Qos1_fail_when_sent_follows_a_puback_the_tap_withheld()
    {
        var ctx = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "t", 1, 1).At(20).Down("c1", "PUBACK", 1).Withheld("c1", "PUBACK", 1)
            .At(25).Module("sent", 1).Context();
        Assert.Equal(CheckVerdict.Fail, new OutboundFlowCheck(1).Evaluate(ctx).Verdict);
    }

    // Regression (CI, a loaded machine): the defect's "sent" for the withheld id reached the host before the tap had
    // logged the PUBLISH, and the next publish's early "sent" was logged after its PUBACK; the check passed.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Qos1_sent_for_a_withheld_puback_fails_even_when_logged_before_the_publish(bool defect)
    {
        var b = new TimelineBuilder().Connect("c1");
        if (defect) b.At(9).Module("sent", 1);
        b.At(10).Publish("c1", "up", "held", 1, 1).At(20).Down("c1", "PUBACK", 1).Withheld("c1", "PUBACK", 1)
            .At(3030).Publish("c1", "up", "t", 1, 2).At(3040).Down("c1", "PUBACK", 2).At(3041).Module("sent", 2);
        var r = new OutboundFlowCheck(1).Evaluate(b.Context());
        Assert.Equal(defect ? CheckVerdict.Fail : CheckVerdict.Pass, r.Verdict);
        if (defect) Assert.Contains("id 1: \"sent\" at 9000us before any PUBACK reached the module", r.Explanation);
        Assert.Contains("1 PUBACK(s) withheld by the tap", r.Measured);
    }

    [Fact]
    public void Qos1_a_reused_id_is_judged_per_message_and_a_resend_joins_its_first_send()
    {
        // id 1 twice: the first message acknowledged and sent; the second re-sent on a resumed connection, then acknowledged.
        var b = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "a", 1, 1).At(20).Down("c1", "PUBACK", 1).At(21).Module("sent", 1)
            .At(30).Publish("c1", "up", "b", 1, 1).At(31).Close("c1").Connect("c2").At(40).Publish("c2", "up", "b", 1, 1).At(50).Down("c2", "PUBACK", 1);
        Assert.Equal(CheckVerdict.Pass, new OutboundFlowCheck(1).Evaluate(b.At(51).Module("sent", 1).Context()).Verdict);
        var early = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "a", 1, 1).At(20).Down("c1", "PUBACK", 1).At(21).Module("sent", 1)
            .At(30).Publish("c1", "up", "b", 1, 1).At(31).Module("sent", 1).Close("c1").Connect("c2").At(40).Publish("c2", "up", "b", 1, 1).At(50).Down("c2", "PUBACK", 1);
        var r = new OutboundFlowCheck(1).Evaluate(early.Context());
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("before the PUBACK at 50000us", r.Explanation);
    }

    [Fact]
    public void Another_modules_sent_with_the_same_id_is_not_judged_against_this_modules_publish()
    {
        // Two modules on one rig timeline both use id 1; only m2's "sent" exists, before m1's PUBACK.
        var t = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "t", 1, 1)
            .At(12).Add(new() { Kind = "module", Conn = "m2", Type = "sent", PacketId = 1 })
            .At(20).Down("c1", "PUBACK", 1).At(25).Add(new() { Kind = "module", Conn = "m1", Type = "sent", PacketId = 1 }).Build();
        Assert.Equal(CheckVerdict.Fail, new OutboundFlowCheck(1).Evaluate(new CheckContext(t, new CheckExpectation())).Verdict);
        var m1 = Wire.ForModule(t, "m1", null, out var modules);
        Assert.Equal(["m1", "m2"], modules);
        Assert.Equal(CheckVerdict.Pass, new OutboundFlowCheck(1).Evaluate(new CheckContext(m1, new CheckExpectation())).Verdict);
        Assert.DoesNotContain(Wire.ForModule(t, null, null, out _), e => e.Kind == "module");
    }

    [Fact]
    public void A_later_clients_sent_with_the_same_id_is_not_judged_against_an_earlier_clients_publish()
    {
        // Client 1 (auth "a") publishes id 1 whose PUBACK never comes; client 2 (auth "b") reuses id 1 later.
        var t = new TimelineBuilder()
            .Add(new() { Kind = "module", Conn = "m1", Type = "auth", Handle = 1, ClientId = "a" }).Connect("c1", clientId: "a")
            .At(10).Publish("c1", "up", "t", 1, 1).At(11).Close("c1")
            .At(20).Add(new() { Kind = "module", Conn = "m1", Type = "auth", Handle = 2, ClientId = "b" }).Connect("c2", clientId: "b")
            .At(30).Publish("c2", "up", "t", 1, 1).At(31).Down("c2", "PUBACK", 1).At(32).Add(new() { Kind = "module", Conn = "m1", Type = "sent", Handle = 2, PacketId = 1 })
            .Build();
        var expectation = new CheckExpectation { ClientId = "a" };
        Assert.Equal(CheckVerdict.Fail, new OutboundFlowCheck(1).Evaluate(new CheckContext(t, expectation)).Verdict);
        var onlyA = Wire.ForModule(t, "m1", "a", out _);
        Assert.NotEqual(CheckVerdict.Fail, new OutboundFlowCheck(1).Evaluate(new CheckContext(onlyA, expectation)).Verdict);
    }

    [Fact]
    public void Qos1_inconclusive_without_qos1_traffic_or_module_events()
    {
        Assert.Equal(CheckVerdict.Inconclusive, new OutboundFlowCheck(1).Evaluate(new TimelineBuilder().Connect("c1").Context()).Verdict);
        var noModule = new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 1, 1).Down("c1", "PUBACK", 1).Context();
        Assert.Equal(CheckVerdict.Inconclusive, new OutboundFlowCheck(1).Evaluate(noModule).Verdict);
    }

    private static TimelineBuilder Qos2(byte relFlags, bool sentEarly)
    {
        var b = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "up", "t", 2, 7).At(20).Down("c1", "PUBREC", 7)
            .At(21).Add(new TimelineEntry { Kind = "packet", Dir = "up", Conn = "c1", Type = "PUBREL", PacketId = 7, Flags = relFlags });
        if (sentEarly) b.At(22).Module("sent", 7);
        b.At(30).Down("c1", "PUBCOMP", 7);
        if (!sentEarly) b.At(31).Module("sent", 7);
        return b;
    }

    [Fact]
    public void Qos2_pass_fail_inconclusive()
    {
        var check = new OutboundFlowCheck(2);
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Qos2(0x2, false).Context()).Verdict);
        Assert.Equal(CheckVerdict.Fail, check.Evaluate(Qos2(0x2, true).Context()).Verdict);
        // PUBREL flags are judged with every reserved flag (packet.reserved-flags), not by this API-level check.
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Qos2(0x60, false).Context()).Verdict);
        var badFlags = new PacketReservedFlagsCheck().Evaluate(Qos2(0x60, false).Context());
        Assert.Equal(CheckVerdict.Fail, badFlags.Verdict);
        Assert.Contains("0x60", badFlags.Explanation);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(new TimelineBuilder().Connect("c1").Context()).Verdict);
    }

    [Fact]
    public void PacketIdZero_is_known_deviation_on_V1120_and_fail_on_V2028()
    {
        var b = new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 1, 0);
        Assert.Equal(CheckVerdict.KnownDeviation, new PacketIdNonZeroCheck().Evaluate(b.Context(new() { ClientId = "mod", Profile = "V1120" })).Verdict);
        Assert.Equal(CheckVerdict.Fail, new PacketIdNonZeroCheck().Evaluate(b.Context(new() { ClientId = "mod", Profile = "V2028" })).Verdict);
        Assert.Equal(CheckVerdict.Fail, new PacketIdNonZeroCheck().Evaluate(b.Context()).Verdict);
    }

    // Regression: rigs pass the profile's full name, whose digits once read as build 7801120.
    [Theory]
    [InlineData("air780e-v1120", CheckVerdict.KnownDeviation)]
    [InlineData("air780e-v1112", CheckVerdict.KnownDeviation)]
    [InlineData("air780ep-v2028", CheckVerdict.Fail)]
    public void PacketIdZero_reads_the_rig_profile_name(string profile, CheckVerdict verdict)
    {
        var b = new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 1, 0);
        Assert.Equal(verdict, new PacketIdNonZeroCheck().Evaluate(b.Context(new() { ClientId = "mod", Profile = profile })).Verdict);
    }

    [Fact]
    public void PacketIdZero_pass_and_inconclusive()
    {
        Assert.Equal(CheckVerdict.Pass, new PacketIdNonZeroCheck().Evaluate(new TimelineBuilder().Connect("c1").Up("c1", "SUBSCRIBE", 3).Context()).Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, new PacketIdNonZeroCheck().Evaluate(new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 0, null).Context()).Verdict);
    }

    [Fact]
    public void PacketIdInFlight_pass_fail_inconclusive()
    {
        var check = new PacketIdInFlightCheck();
        var ok = new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 1, 1).Down("c1", "PUBACK", 1).Publish("c1", "up", "t", 1, 1).Context();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(ok).Verdict);
        var reused = new TimelineBuilder().Connect("c1").Publish("c1", "up", "t", 1, 1).Up("c1", "SUBSCRIBE", 1).Context();
        var r = check.Evaluate(reused);
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Equal(2, r.Evidence.Count);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(new TimelineBuilder().Connect("c1").Context()).Verdict);
    }

    [Fact]
    public void InboundQos1_pass_fail_inconclusive()
    {
        var check = new InboundAckCheck(1);
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(new TimelineBuilder().Connect("c1").Publish("c1", "down", "t", 1, 4).Up("c1", "PUBACK", 4).Context()).Verdict);
        Assert.Equal(CheckVerdict.Fail, check.Evaluate(new TimelineBuilder().Connect("c1").Publish("c1", "down", "t", 1, 4).Up("c1", "PUBACK", 5).At(10_000).Up("c1", "PINGREQ").Context()).Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(new TimelineBuilder().Connect("c1").Context()).Verdict);
    }

    [Fact]
    public void InboundQos2_pass_fail_inconclusive()
    {
        var check = new InboundAckCheck(2);
        TimelineBuilder Flow() => new TimelineBuilder().Connect("c1").Publish("c1", "down", "t", 2, 9).Up("c1", "PUBREC", 9).Down("c1", "PUBREL", 9);
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Flow().Up("c1", "PUBCOMP", 9).Context()).Verdict);
        var fail = check.Evaluate(Flow().At(10_000).Up("c1", "PINGREQ").Context());
        Assert.Equal(CheckVerdict.Fail, fail.Verdict);
        Assert.Contains("PUBCOMP", fail.Explanation);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(new TimelineBuilder().Connect("c1").Publish("c1", "down", "t", 1, 1).Context()).Verdict);
    }
}

public class AckCopiesTests
{
    // Regression (twin rig run, server.qos2-duplicate): a duplicate QoS 2 delivery is answered with two PUBRECs, the
    // broker answers each with a PUBREL, and the client's second PUBCOMP was judged as answering no PUBREL.
    [Fact]
    public void Each_repeated_PUBREL_may_be_answered_and_one_answer_too_many_fails()
    {
        TimelineBuilder Trace(int pubcomps)
        {
            var b = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "down", "a/b", 2, 258).At(11).Publish("c1", "down", "a/b", 2, 258, dup: true)
                .At(12).Up("c1", "PUBREC", 258).Up("c1", "PUBREC", 258).At(13).Down("c1", "PUBREL", 258).Down("c1", "PUBREL", 258);
            for (var i = 0; i < pubcomps; i++) b.At(14 + i).Up("c1", "PUBCOMP", 258);
            return b;
        }
        var check = new AckPacketIdCheck();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Trace(2).Context()).Verdict);
        var extra = check.Evaluate(Trace(3).Context());
        Assert.Equal(CheckVerdict.Fail, extra.Verdict);
        Assert.Contains("PUBCOMP id 258 answers no PUBREL", extra.Explanation);
    }

    // Regression (CI, server.qos2-duplicate): the broker's PUBREL for the first copy arrived before the client's PUBREC
    // for the second copy, which was then judged as answering no QoS 2 PUBLISH.
    [Fact]
    public void A_PUBREC_owed_to_a_second_copy_is_not_cancelled_by_an_earlier_PUBREL()
    {
        var b = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "down", "a/b", 2, 258).At(11).Publish("c1", "down", "a/b", 2, 258, dup: true)
            .At(12).Up("c1", "PUBREC", 258).At(13).Down("c1", "PUBREL", 258).At(14).Up("c1", "PUBREC", 258).At(15).Up("c1", "PUBCOMP", 258);
        Assert.Equal(CheckVerdict.Pass, new AckPacketIdCheck().Evaluate(b.Context()).Verdict);
        Assert.Equal(CheckVerdict.Fail, new AckPacketIdCheck().Evaluate(b.At(16).Up("c1", "PUBREC", 258).Context()).Verdict);
    }

    [Fact]
    public void A_redelivered_QoS1_PUBLISH_may_be_acknowledged_per_copy()
    {
        var b = new TimelineBuilder().Connect("c1").At(10).Publish("c1", "down", "a/b", 1, 7).At(11).Publish("c1", "down", "a/b", 1, 7, dup: true)
            .At(12).Up("c1", "PUBACK", 7).Up("c1", "PUBACK", 7);
        Assert.Equal(CheckVerdict.Pass, new AckPacketIdCheck().Evaluate(b.Context()).Verdict);
        Assert.Equal(CheckVerdict.Fail, new AckPacketIdCheck().Evaluate(b.At(13).Up("c1", "PUBACK", 7).Context()).Verdict);
    }
}
