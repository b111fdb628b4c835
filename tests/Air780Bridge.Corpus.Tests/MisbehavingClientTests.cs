using Air780Bridge.Corpus.Tests.Support;
using Air780Bridge.Harness.Checks;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static Air780Bridge.Corpus.Tests.Support.Packet;

namespace Air780Bridge.Corpus.Tests;

/// <summary>
/// One deliberately misbehaving raw-socket client per check that judges a client's own packets: each breaks exactly
/// one rule against the live harness broker, behaves otherwise, and must get exactly that check's Fail from
/// `air780 check` (no profile), no other. The broker may close on the violation; that is part of the trace.
/// </summary>
public sealed class MisbehavingClientTests
{
    private const string Id = "raw";
    private const string Topic = "corpus/raw";

    /// <summary>What the client does wrong (the statements it breaks are the check's, from SpecStatements), and the whole
    /// session after the TCP connect; judged as <paramref name="ClientId"/>.</summary>
    public sealed record Misbehaviour(string Breaks, Func<RawClient, CorpusSession, Task> Act, string[]? Options = null, string ClientId = Id);

    /// <summary>Client checks no raw client can make fail against this broker, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unreachable = new Dictionary<string, string>
    {
        [CheckIds.SessionResendUnacked] = "needs a resumed session (CONNACK session present 1); the embedded broker keeps no session for CleanSession 0 (finding F2)",
        [CheckIds.OrderResend] = "needs a resumed session (CONNACK session present 1); the embedded broker keeps no session for CleanSession 0 (finding F2)",
        [CheckIds.DisconnectCloses] = "the broker closes the connection as soon as it reads DISCONNECT, so no client can hold it open afterwards",
    };

    /// <summary>The table README.md shows, generated from <see cref="ByCheck"/>, <see cref="Unreachable"/> and the statement catalogue.</summary>
    public static string Table()
    {
        string Cites(string id) => string.Join(" ", SpecStatements.ForCheck(id).Select(st => st.Cite)) is { Length: > 0 } c ? c : "(configuration)";
        var rows = ByCheck.Select(kv => $"| `{kv.Key}` | {Cites(kv.Key)} | {kv.Value.Breaks} |")
            .Concat(Unreachable.Select(kv => $"| `{kv.Key}` | {Cites(kv.Key)} | none: {kv.Value} |"));
        return string.Join("\n", ["| check | statements | the misbehaving client |", "|---|---|---|", .. rows]);
    }

    [Fact]
    public void Readme_shows_the_current_misbehaviour_table()
    {
        var readme = File.ReadAllText(Air780Bridge.Tests.Repository.File("tests", "Air780Bridge.Corpus.Tests", "README.md")).ReplaceLineEndings("\n");
        Assert.True(readme.Contains(Table()), $"README.md's misbehaviour table is stale; replace it with:\n{Table()}");
    }

    private static Misbehaviour Plain(string breaks, Func<RawClient, Task> act, string[]? options = null) =>
        new(breaks, async (c, _) => { await Open(c); await act(c); }, options);

    /// <summary>The violation is in the CONNECT itself: send it, take the broker's answer (CONNACK or a close), leave.</summary>
    private static Misbehaviour InConnect(string breaks, byte[] connect, string[]? options = null) =>
        new(breaks, async (c, _) => { await c.SendAsync(connect, Disconnect); await c.BrokerClosedAsync(); }, options);

    /// <summary>A packet that breaks the rule, then DISCONNECT in the same write (the broker may close on the first).</summary>
    private static Misbehaviour Sends(string breaks, params byte[][] packets) =>
        Plain(breaks, async c => { await c.SendAsync([.. packets, Disconnect]); await c.BrokerClosedAsync(); });

    public static readonly IReadOnlyDictionary<string, Misbehaviour> ByCheck = new Dictionary<string, Misbehaviour>
    {
        [CheckIds.PacketWellFormed] = Sends("a PINGREQ with remaining length 1", [0xC0, 0x01, 0x00]),
        [CheckIds.PacketReservedFlags] = Plain("PUBREL with fixed-header flags 0000 (first byte 0x60, not 0x62)", async c =>
        {
            await c.SendAsync(Publish(Topic, 2, 1));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Ack("PUBREL", 1, flags: 0x0), Disconnect);
            await c.BrokerClosedAsync();
        }),
        [CheckIds.StringsUtf8] = Sends("a topic ending in a lone UTF-8 lead byte (61 2F C3)", Publish("", 0, topicBytes: [0x61, 0x2F, 0xC3])),
        [CheckIds.StringsNoNull] = Sends("a topic with U+0000", Publish("corpus/\0raw", 0)),
        [CheckIds.ConnectFirstPacket] = new("PINGREQ before CONNECT", async (c, _) =>
        {
            await c.SendAsync(PingReq, Connect(Id), Disconnect);
            await c.BrokerClosedAsync();
        }),
        [CheckIds.ConnectOnce] = Sends("a second CONNECT on the connection", Connect(Id)),
        [CheckIds.ConnectProtocol] = InConnect("protocol MQIsdp level 3 (MQTT 3.1) on a 3.1.1 judge", Connect(Id, protocol: "MQIsdp", level: 3)),
        [CheckIds.ConnectReservedFlag] = InConnect("connect flags bit 0 (reserved) set", Connect(Id, flags: 0x03)),
        [CheckIds.ConnectWillFlags] = InConnect("Will QoS 1 with the Will Flag 0", Connect(Id, flags: 0x0A)),
        [CheckIds.ConnectPayloadFields] = InConnect("a user name in the payload with the User Name Flag 0", Connect(Id, extra: Str("user"))),
        [CheckIds.ConnectPasswordWithoutUsername] = InConnect("Password Flag 1 with User Name Flag 0", Connect(Id, password: "secret")),
        [CheckIds.ConnectEmptyClientId] = new("an empty client id with CleanSession 0 (the broker refuses it, CONNACK 2)", async (c, _) =>
        {
            await c.SendAsync(Connect("", clean: false));
            await c.BrokerClosedAsync();
        }, ClientId: ""),
        [CheckIds.KeepaliveLimit] = new("keep alive 1 s, then silent until the broker gives up on it", async (c, _) =>
        {
            await Open(c, Connect(Id, keepAlive: 1));
            await c.SendAsync(Subscribe(1, Topic, 0));
            await c.ExpectAsync("SUBACK");
            await c.BrokerClosedAsync();
        }, ["--keepalive", "1"]),
        [CheckIds.PublishQosValid] = Sends("a PUBLISH with both QoS bits set", Frame(0x36, Str(Topic), U16(1), "x"u8.ToArray())),
        [CheckIds.PublishQos0Dup] = Sends("a QoS 0 PUBLISH with DUP 1", Publish(Topic, 0, dup: true)),
        [CheckIds.PublishTopicName] = Sends("a wildcard in a PUBLISH topic name", Publish("corpus/#", 0)),
        [CheckIds.PublishDupFlag] = Plain("DUP 1 on the first send of a QoS 1 message", async c =>
        {
            await c.SendAsync(Publish(Topic, 1, 2, dup: true));
            await c.ExpectAsync("PUBACK");
            await Bye(c);
        }),
        [CheckIds.PublishQos2Pubrel] = Plain("a QoS 2 PUBREC never answered with PUBREL", async c =>
        {
            await c.SendAsync(Publish(Topic, 2, 3));
            await c.ExpectAsync("PUBREC");
            await StayPastResponseWindow(c);
            await Bye(c);
        }),
        [CheckIds.SubscribeNotEmpty] = Sends("a SUBSCRIBE without a topic filter", Subscribe(1)),
        [CheckIds.SubscribeRequestedQos] = Sends("a requested QoS of 3", Subscribe(1, Topic, 3)),
        [CheckIds.SubscribeTopicFilters] = Sends("'#' not the last level of a filter", Subscribe(1, "corpus/#/raw", 1)),
        [CheckIds.UnsubscribeNotEmpty] = Sends("an UNSUBSCRIBE without a topic filter", Unsubscribe(1)),
        [CheckIds.PacketIdNonZero] = Sends("a SUBSCRIBE with packet id 0 (the broker never answers it)", Subscribe(0, Topic, 0)),
        [CheckIds.PacketIdNotReusedInFlight] = Plain("a new QoS 2 PUBLISH (DUP 0) on an id that has had PUBREC but not PUBCOMP", async c =>
        {
            await c.SendAsync(Publish(Topic, 2, 7, "first"));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Publish(Topic, 2, 7, "second"));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Ack("PUBREL", 7));
            await c.ExpectAsync("PUBCOMP");
            await Bye(c);
        }),
        [CheckIds.AckPacketIdMatches] = Plain("a PUBACK for an id the broker never sent", async c =>
        {
            await c.SendAsync(Ack("PUBACK", 99), PingReq);
            await c.ExpectAsync("PINGRESP");
            await Bye(c);
        }),
        [CheckIds.InboundQos1Puback] = new("receives a QoS 1 message and never sends PUBACK", async (c, s) =>
        {
            await Delivered(c, s, 1, 1);
            await StayPastResponseWindow(c);
            await Bye(c);
        }),
        [CheckIds.InboundQos2PubrecPubcomp] = new("answers a QoS 2 PUBLISH with PUBREC, then never answers PUBREL with PUBCOMP", async (c, s) =>
        {
            var p = (await Delivered(c, s, 2, 1))[0];
            await c.SendAsync(Ack("PUBREC", p.PacketId));
            await c.ExpectAsync("PUBREL");
            await StayPastResponseWindow(c);
            await Bye(c);
        }),
        [CheckIds.OrderPuback] = new("acknowledges two QoS 1 messages in reverse order", async (c, s) =>
        {
            var m = await Delivered(c, s, 1, 2);
            await c.SendAsync(Ack("PUBACK", m[1].PacketId), Ack("PUBACK", m[0].PacketId));
            await Bye(c);
        }),
        [CheckIds.OrderPubrec] = new("answers two QoS 2 messages with PUBRECs in reverse order", async (c, s) =>
        {
            var m = await Delivered(c, s, 2, 2);
            await c.SendAsync(Ack("PUBREC", m[1].PacketId), Ack("PUBREC", m[0].PacketId));
            for (var i = 0; i < 2; i++) await c.SendAsync(Ack("PUBCOMP", (await c.ExpectAsync("PUBREL")).PacketId));
            await Bye(c);
        }),
        [CheckIds.OrderPubrel] = Plain("sends PUBRELs for two QoS 2 messages in reverse order", async c =>
        {
            await c.SendAsync(Publish(Topic, 2, 4), Publish(Topic, 2, 5));
            await c.ExpectAsync("PUBREC");
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Ack("PUBREL", 5), Ack("PUBREL", 4));
            await c.ExpectAsync("PUBCOMP");
            await c.ExpectAsync("PUBCOMP");
            await Bye(c);
        }),
        [CheckIds.DisconnectLastPacket] = Plain("a PINGREQ after DISCONNECT", async c =>
        {
            await c.SendAsync(Disconnect, PingReq);
            await c.BrokerClosedAsync();
        }),
        [CheckIds.ConnectFields] = InConnect("not an MQTT rule but the configuration: `--keepalive 30` configured, the CONNECT says 60",
            Connect(Id, keepAlive: 60), ["--keepalive", "30"]),
    };

    public static TheoryData<string> Checks => new(ByCheck.Keys);

    [Theory]
    [MemberData(nameof(Checks))]
    public async Task Misbehaving_client_fails_exactly_its_check(string checkId)
    {
        var m = ByCheck[checkId];
        await using var corpus = await CorpusSession.StartAsync();
        await using (var client = await RawClient.ConnectAsync(corpus)) await m.Act(client, corpus);
        // --require: the CLI itself must report the rule judged, not just failed by accident of another check.
        (await corpus.JudgeAsync(m.ClientId, [.. m.Options ?? [], "--require", checkId])).AssertFailedExactly(checkId);
    }

    [Fact]
    public void Every_client_check_has_a_misbehaving_client_or_a_reason_it_cannot_have_one()
    {
        var client = CheckCatalogue.All.Where(c => c.Subject == CheckSubject.Client).Select(c => c.Id).ToHashSet();
        var missing = client.Except(ByCheck.Keys).Except(Unreachable.Keys).Order().ToList();
        Assert.True(missing.Count == 0, $"client checks without a misbehaving client: {string.Join(", ", missing)}; add one to {nameof(ByCheck)} (or a reason to {nameof(Unreachable)})");
        var notClient = ByCheck.Keys.Concat(Unreachable.Keys).Where(id => !client.Contains(id)).ToList();
        Assert.True(notClient.Count == 0, $"not a client check in the catalogue: {string.Join(", ", notClient)}");
    }

    private static async Task Open(RawClient c, byte[]? connect = null)
    {
        await c.SendAsync(connect ?? Connect(Id));
        await c.ExpectAsync("CONNACK");
    }

    /// <summary>Connects, subscribes at <paramref name="qos"/> and returns the <paramref name="count"/> messages a compliant
    /// MQTTnet client (another client id, so not judged) published to it, not yet acknowledged.</summary>
    private static async Task<List<Received>> Delivered(RawClient c, CorpusSession s, int qos, int count)
    {
        await Open(c);
        await c.SendAsync(Subscribe(1, Topic, qos));
        await c.ExpectAsync("SUBACK");
        using (var publisher = new MqttClientFactory().CreateMqttClient())
        {
            await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(s.Host, s.Port).WithClientId("raw-publisher")
                .WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(CorpusSession.Timeout).Build());
            for (var i = 0; i < count; i++)
                await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic).WithPayload($"m{i}").WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos).Build());
            await publisher.DisconnectAsync();
        }
        var messages = new List<Received>();
        while (messages.Count < count) messages.Add(await c.ExpectAsync("PUBLISH"));
        return messages;
    }

    /// <summary>MQTT sets no deadline for an answer, so the checks call one missing only on a connection that stayed
    /// open <see cref="CheckTolerances.ResponseWindowMs"/> after it was due: the client waits that out (a duration is the
    /// rule here, not a race), then shows it is alive with a PINGREQ before it leaves.</summary>
    private static async Task StayPastResponseWindow(RawClient c)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(new CheckTolerances().ResponseWindowMs + 250));
        await c.SendAsync(PingReq);
        await c.ExpectAsync("PINGRESP");
    }

    private static async Task Bye(RawClient client)
    {
        await client.SendAsync(Disconnect);
        await client.BrokerClosedAsync();
    }
}
