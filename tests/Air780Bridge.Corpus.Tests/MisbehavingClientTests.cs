using Air780Bridge.Corpus.Tests.Support;
using Air780Bridge.Harness.Checks;
using static Air780Bridge.Corpus.Tests.Support.Packet;

namespace Air780Bridge.Corpus.Tests;

/// <summary>
/// One deliberately misbehaving raw-socket client per check that judges a client's own packets: each breaks exactly
/// one rule, behaves otherwise, and must get exactly that check's Fail from `air780 check`, no other.
/// </summary>
public sealed class MisbehavingClientTests
{
    /// <summary>A raw client that breaks one rule: what it does, then CONNECT (unless <paramref name="Connect"/> is the fault) and its misbehaviour.</summary>
    /// <remarks><paramref name="Missed"/>: a known false Pass (Findings) the check still gives this client.</remarks>
    public sealed record Misbehaviour(string Breaks, Func<RawClient, Task> Act, byte[]? Connect = null, string[]? Options = null, FalseVerdict? Missed = null);

    /// <summary>Client checks a raw socket client cannot make fail, and why; every other client check needs a misbehaviour.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unreachable = new Dictionary<string, string>
    {
        [CheckIds.PublishQos1SentAfterPuback] = "fails only on a module \"sent\" event before the PUBACK: module events come from the Air780 agent, not from the wire",
        [CheckIds.KeepalivePingPeriod] = "the LuatOS 3/4-keepalive ping timer is a firmware rule, not an MQTT 3.1.1 client rule: a client pinging at the full keepalive complies (finding F3)",
    };

    public static readonly IReadOnlyDictionary<string, Misbehaviour> ByCheck = new Dictionary<string, Misbehaviour>
    {
        [CheckIds.ConnectPasswordWithoutUsername] = new("[MQTT-3.1.2-22] Password Flag 1 with User Name Flag 0", Bye,
            Connect: Connect("raw", password: "secret")),

        [CheckIds.PacketIdNonZero] = new("[MQTT-2.3.1-1] SUBSCRIBE with packet id 0", async c =>
        {
            // The embedded broker (MQTTnet) never answers a SUBSCRIBE with id 0, so the client does not wait for a SUBACK.
            await c.SendAsync(Subscribe(0, "corpus/raw", 0), Disconnect);
            await c.BrokerClosedAsync();
        }),

        [CheckIds.PacketIdNotReusedInFlight] = new("[MQTT-2.3.1-2] a new QoS 2 PUBLISH (DUP 0) on an id that has had PUBREC but not PUBCOMP", async c =>
        {
            await c.SendAsync(Publish("corpus/raw", 2, 7, "first"));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Publish("corpus/raw", 2, 7, "second"));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Ack("PUBREL", 7));
            await c.ExpectAsync("PUBCOMP");
            await Bye(c);
        }),

        [CheckIds.PublishQos2SentAfterPubcomp] = new("[MQTT-3.6.1-1] PUBREL with fixed-header flags 0000 (first byte 0x60, not 0x62)", async c =>
        {
            await c.SendAsync(Publish("corpus/raw", 2, 1));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Ack("PUBREL", 1, flags: 0x0), Disconnect);
            await c.BrokerClosedAsync();
        }),

        [CheckIds.InboundQos1Puback] = new("[MQTT-4.3.2-2] receives its own QoS 1 message and never sends PUBACK", async c =>
        {
            await c.SendAsync(Subscribe(1, "corpus/raw/q1", 1));
            await c.ExpectAsync("SUBACK");
            await c.SendAsync(Publish("corpus/raw/q1", 1, 2));
            await c.ExpectAsync("PUBLISH");
            await Bye(c);
        }),

        [CheckIds.InboundQos2PubrecPubcomp] = new("[MQTT-4.3.3-2] answers an inbound QoS 2 PUBLISH with PUBREC, then never answers PUBREL with PUBCOMP", async c =>
        {
            await c.SendAsync(Subscribe(1, "corpus/raw/q2", 2));
            await c.ExpectAsync("SUBACK");
            await c.SendAsync(Publish("corpus/raw/q2", 2, 2));
            bool completed = false, released = false;
            // Its own publish's PUBREC/PUBCOMP and the delivery to itself (PUBLISH, then the broker's PUBREL) interleave.
            while (!completed || !released)
            {
                var p = await c.ReadAsync();
                if (p.Type == "PUBREC") await c.SendAsync(Ack("PUBREL", p.PacketId));
                else if (p.Type == "PUBCOMP") completed = true;
                else if (p.Type == "PUBLISH") await c.SendAsync(Ack("PUBREC", p.PacketId));
                else if (p.Type == "PUBREL") released = true;
            }
            await Bye(c);
        }),

        [CheckIds.KeepaliveLimit] = new("[MQTT-3.1.2-23] keepalive 1 s, then silent until the broker gives up on it", async c =>
        {
            await c.SendAsync(Subscribe(1, "corpus/raw/ka", 0));
            await c.ExpectAsync("SUBACK");
            await c.BrokerClosedAsync();
        }, Connect: Connect("raw", keepAlive: 1), Options: ["--keepalive", "1"], Missed: Findings.SilenceUntilCloseNotMeasured),

        [CheckIds.ConnectFields] = new("not an MQTT rule but the configuration: `--keepalive 30` configured, the CONNECT says 60", Bye,
            Connect: Connect("raw", keepAlive: 60), Options: ["--keepalive", "30"]),
    };

    public static TheoryData<string> Checks => new(ByCheck.Keys);

    [Theory]
    [MemberData(nameof(Checks))]
    public async Task Misbehaving_client_fails_exactly_its_check(string checkId)
    {
        var m = ByCheck[checkId];
        await using var corpus = await CorpusSession.StartAsync();
        await using (var client = await RawClient.ConnectAsync(corpus))
        {
            await client.SendAsync(m.Connect ?? Connect("raw"));
            await client.ExpectAsync("CONNACK");
            await m.Act(client);
        }
        var verdicts = await corpus.JudgeAsync("raw", m.Options ?? []);
        if (m.Missed is { } missed) verdicts.AssertStillMissed(missed);
        else verdicts.AssertFailedExactly(checkId);
    }

    [Fact]
    public void Every_client_check_has_a_misbehaving_client_or_a_reason_it_cannot_have_one()
    {
        var client = CheckCatalogue.All.Where(c => c.Subject == CheckSubject.Client).Select(c => c.Id).ToHashSet();
        var missing = client.Except(ByCheck.Keys).Except(Unreachable.Keys).Order().ToList();
        Assert.True(missing.Count == 0, $"client checks without a misbehaving client: {string.Join(", ", missing)}; add one to {nameof(ByCheck)} (or a reason to {nameof(Unreachable)})");
        var stale = ByCheck.Keys.Concat(Unreachable.Keys).Where(id => CheckCatalogue.Find(id) is null).ToList();
        Assert.True(stale.Count == 0, $"no such check in the catalogue: {string.Join(", ", stale)}");
    }

    private static async Task Bye(RawClient client)
    {
        await client.SendAsync(Disconnect);
        await client.BrokerClosedAsync();
    }
}
