using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Harness.Tests.Checks;

public class ConnectAndKeepaliveChecksTests
{
    private static readonly CheckExpectation Expect = new()
    {
        ClientId = "mod", KeepAliveSeconds = 60, CleanSession = true, PasswordSet = false, Profile = "air780e-v1120",
        Will = new WillExpectation("dead", 1, false, 4),
    };

    [Fact]
    public void ConnectFields_pass_when_connect_matches()
    {
        var r = new ConnectFieldsCheck().Evaluate(new TimelineBuilder().Connect("c1", will: "dead").Context(Expect));
        Assert.Equal(CheckVerdict.Pass, r.Verdict);
        Assert.Single(r.Evidence);
    }

    [Fact]
    public void ConnectFields_fail_on_wrong_keepalive_and_clean_session()
    {
        var r = new ConnectFieldsCheck().Evaluate(new TimelineBuilder().Connect("c1", keepAlive: 240, will: "dead", clean: false).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("keepAlive: expected 60, saw 240", r.Explanation);
        Assert.Contains("cleanSession", r.Explanation);
    }

    [Fact]
    public void ConnectFields_fail_when_client_id_differs()
    {
        var r = new ConnectFieldsCheck().Evaluate(new TimelineBuilder().Connect("c1", clientId: "other").Context(Expect));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Contains("\"mod\"", r.Explanation);
    }

    [Fact]
    public void ConnectFields_inconclusive_without_connect() =>
        Assert.Equal(CheckVerdict.Inconclusive, new ConnectFieldsCheck().Evaluate(new TimelineBuilder().Open("c1").Context(Expect)).Verdict);

    [Fact]
    public void PasswordWithoutUsername_pass_fail_inconclusive()
    {
        var check = new ConnectPasswordWithoutUsernameCheck();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(new TimelineBuilder().Connect("c1", username: "u", password: true).Context()).Verdict);
        var fail = check.Evaluate(new TimelineBuilder().Connect("c1", password: true).Context());
        Assert.Equal(CheckVerdict.Fail, fail.Verdict);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(new TimelineBuilder().Context()).Verdict);
    }

    private static TimelineBuilder Pings(params double[] ms)
    {
        var b = new TimelineBuilder().Connect("c1");
        foreach (var t in ms) b.At(t).Up("c1", "PINGREQ").Down("c1", "PINGRESP");
        return b;
    }

    [Fact]
    public void PingPeriod_pass_at_45s_for_keepalive_60_even_with_traffic_between()
    {
        var b = Pings(45_000, 90_100);
        b.At(60_000).Publish("c1", "up", "t", 0, null);
        var r = new PingPeriodCheck().Evaluate(b.Context(Expect));
        Assert.Equal(CheckVerdict.Pass, r.Verdict);
        Assert.Equal(["45100 ms"], r.Measured);
    }

    [Fact]
    public void PingPeriod_fail_when_period_is_keepalive_not_three_quarters()
    {
        var r = new PingPeriodCheck().Evaluate(Pings(60_000, 120_000).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, r.Verdict);
        Assert.Equal("45000 ms ± 2250 ms", r.Allowed);
    }

    [Fact]
    public void PingPeriod_inconclusive_with_a_single_ping() =>
        Assert.Equal(CheckVerdict.Inconclusive, new PingPeriodCheck().Evaluate(Pings(45_000).Context(Expect)).Verdict);

    [Fact]
    public void KeepaliveLimit_pass_fail_inconclusive()
    {
        var check = new KeepaliveLimitCheck();
        Assert.Equal(CheckVerdict.Pass, check.Evaluate(Pings(45_000, 90_000).Context(Expect)).Verdict);
        var fail = check.Evaluate(Pings(95_000).Context(Expect));
        Assert.Equal(CheckVerdict.Fail, fail.Verdict);
        Assert.Equal(2, fail.Evidence.Count);
        Assert.Equal(CheckVerdict.Inconclusive, check.Evaluate(new TimelineBuilder().Open("c1").Context(Expect)).Verdict);
    }
}
