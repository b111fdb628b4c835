using Air780Bridge.Harness.Checks;
using static Air780Bridge.Harness.Tests.Checks.RawPackets;

namespace Air780Bridge.Harness.Tests.Checks;

/// <summary>The false verdicts found on recorded traffic (issue 9), each pinned so it cannot return.</summary>
public class RegressionTests
{
    [Fact]
    public void Will_check_does_not_blame_the_module_for_another_clients_will()
    {
        // The module (will "dead") disconnects cleanly; another client with the same will topic is lost abruptly right
        // after, and the broker rightly publishes that client's will. The old check took the will topic from any
        // CONNECT and failed the module's clean DISCONNECT.
        var b = new TimelineBuilder().Open("s1").Sent("s1", Connect(clientId: "sub")).Down("s1", "CONNACK", code: 0)
            .At(10).Open("c1").Sent("c1", Connect(will: "dead")).Down("c1", "CONNACK", code: 0)
            .At(20).Open("c2").Sent("c2", Connect(clientId: "other", will: "dead")).Down("c2", "CONNACK", code: 0)
            .At(100).Sent("c1", Disconnect).At(101).Close("c1", "module closed").At(102).Close("c2", "up stream error: reset")
            .At(103).Add(new() { Kind = "packet", Dir = "down", Conn = "s1", Type = "PUBLISH", Topic = "dead", Qos = 1, PacketId = 1, PayloadSize = 4 })
            .At(20_000).Sent("s1", Pingreq);
        var r = new WillCheck().Evaluate(b.Context(new CheckExpectation { ClientId = "mod" }));
        Assert.NotEqual(CheckVerdict.Fail, r.Verdict);
        Assert.Equal(CheckSubject.Broker, r.Subject);
    }

    [Fact]
    public void Will_check_ignores_a_connection_that_registered_no_will()
    {
        // The judged client has no will; another client's will topic must not be borrowed for it.
        var b = new TimelineBuilder().Open("s1").Sent("s1", Connect(clientId: "sub")).Down("s1", "CONNACK", code: 0)
            .At(10).Open("c2").Sent("c2", Connect(clientId: "other", will: "dead")).Down("c2", "CONNACK", code: 0)
            .At(20).Open("c1").Sent("c1", Connect()).Down("c1", "CONNACK", code: 0)
            .At(100).Sent("c1", Disconnect).At(101).Close("c1", "module closed").At(102).Close("c2", "broker closed")
            .At(103).Add(new() { Kind = "packet", Dir = "down", Conn = "s1", Type = "PUBLISH", Topic = "dead", Qos = 1, PacketId = 1, PayloadSize = 4 });
        Assert.Equal(CheckVerdict.Inconclusive, new WillCheck().Evaluate(b.Context(new CheckExpectation { ClientId = "mod" })).Verdict);
    }

    [Fact]
    public void Password_without_username_judges_only_the_expected_client()
    {
        var b = new TimelineBuilder().Open("c1").Sent("c1", Connect(user: "u", password: "p")).Down("c1", "CONNACK", code: 0)
            .Open("c2").Sent("c2", Connect(clientId: "bad", password: "p")).Down("c2", "CONNACK", code: 0);
        var check = new ConnectPasswordWithoutUsernameCheck();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(b.Context(new CheckExpectation { ClientId = "mod" })).Verdict);
        var bad = check.Evaluate(b.Context(new CheckExpectation { ClientId = "bad" }));
        Assert.Equal(CheckVerdict.Fail, bad.Verdict);
        Assert.Equal("c2", Assert.Single(bad.Evidence).Conn);
    }

    [Fact]
    public void Password_with_an_empty_user_name_present_is_legal()
    {
        // The user name flag is set and the user name is the empty string: 3.1.2-22 holds.
        var b = new TimelineBuilder().Open("c1").Sent("c1", Connect(user: "", password: "p")).Down("c1", "CONNACK", code: 0);
        Assert.Equal(CheckVerdict.Pass, new ConnectPasswordWithoutUsernameCheck().Evaluate(b.Context(new CheckExpectation())).Verdict);
    }

    [Fact]
    public void Keepalive_limit_measures_the_silence_up_to_the_brokers_close()
    {
        // Keep alive 2: the client went silent after 0.6 s and the broker dropped it at 3.6 s (1.5 × keep alive later).
        // Only packet-to-packet gaps were measured, so the 3.0 s silence before the close passed.
        var b = new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 2)).Down("c1", "CONNACK", code: 0)
            .At(600).Sent("c1", Pingreq).Down("c1", "PINGRESP").At(3600).Close("c1", "broker closed");
        var r = new KeepaliveLimitCheck().Evaluate(b.Context(new CheckExpectation()));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("3000 ms", r.Explanation);
        Assert.Contains(r.Evidence, e => e.Type == "close");
        Assert.Equal("≤ 2250 ms", r.Allowed);
        Assert.Equal(["3.1.2-23"], r.Statements);
    }

    [Fact]
    public void Keepalive_limit_takes_the_keepalive_from_the_connect_and_stops_at_disconnect()
    {
        var b = new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 10)).Down("c1", "CONNACK", code: 0)
            .At(7000).Sent("c1", Pingreq).At(9000).Sent("c1", Disconnect).At(60_000).Close("c1", "broker closed");
        Assert.Equal(CheckVerdict.Pass, new KeepaliveLimitCheck().Evaluate(b.Context(new CheckExpectation { KeepAliveSeconds = 1 })).Verdict);
        var zero = new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 0)).Down("c1", "CONNACK", code: 0).At(600_000).Close("c1", "module closed");
        Assert.Equal(CheckVerdict.Inconclusive, new KeepaliveLimitCheck().Evaluate(zero.Context(new CheckExpectation())).Verdict);
    }

    [Fact]
    public void An_answer_cut_off_by_the_close_is_not_a_fail()
    {
        // The broker publishes at QoS 1 and the connection drops 10 ms later: the client had no time to answer.
        var b = new TimelineBuilder().Open("c1").Sent("c1", Connect()).Down("c1", "CONNACK", code: 0)
            .At(100).Publish("c1", "down", "t", 1, 4).At(110).Close("c1", "broker closed");
        Assert.Equal(CheckVerdict.Inconclusive, new InboundAckCheck(1).Evaluate(b.Context(new CheckExpectation())).Verdict);
    }

    [Fact]
    public void LuatOS_rules_wait_for_a_profile()
    {
        // Plain MQTT sets no ping period or reconnect timer: without --profile these are not judged.
        var pings = new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 60)).Down("c1", "CONNACK", code: 0).At(60_000).Sent("c1", Pingreq).At(120_000).Sent("c1", Pingreq);
        var expect = new CheckExpectation { KeepAliveSeconds = 60, AutoReconnectMs = 1000 };
        Assert.Equal(CheckVerdict.Inconclusive, new PingPeriodCheck().Evaluate(pings.Context(expect)).Verdict);
        Assert.Equal(CheckVerdict.Fail, new PingPeriodCheck().Evaluate(pings.Context(expect with { Profile = "V1120" })).Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, new ReconnectPeriodCheck().Evaluate(pings.Context(expect)).Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, new NoResendAfterReconnectCheck().Evaluate(CheckProofs.Resume().Context(expect)).Verdict);
    }

    [Fact]
    public void A_lost_resend_is_a_known_deviation_for_the_firmware_and_a_fail_for_plain_mqtt()
    {
        var lost = CheckProofs.Resume(b => { });
        var check = new SessionResendCheck(order: false);
        Assert.Equal(CheckVerdict.Fail, check.Evaluate(lost.Context(new CheckExpectation())).Verdict);
        var luat = check.Evaluate(lost.Context(new CheckExpectation { Profile = "air780e-v1120" }));
        Assert.Equal(CheckVerdict.KnownDeviation, luat.Verdict);
        Assert.Equal([11, 12], luat.Evidence.Select(e => e.PacketId));
    }

    [Fact]
    public void Broker_checks_say_they_judge_the_broker()
    {
        foreach (var id in new[] { CheckIds.WillOnAbruptLossOnly, CheckIds.SubscribeRetainedDelivered, CheckIds.SessionDuplicateClientId })
        {
            var check = CheckCatalogue.Get(id);
            Assert.Equal(CheckSubject.Broker, check.Subject);
            Assert.All(check.Statements, s => Assert.Equal(StatementBinds.Server, s.Binds));
        }
    }
}
