using Air780Bridge.Harness.Checks;
using static Air780Bridge.Harness.Tests.Checks.RawPackets;

namespace Air780Bridge.Harness.Tests.Checks;

/// <summary>
/// Every check proven both ways: a compliant trace on which no check of the catalogue fails and this one passes (or
/// gives its documented verdict), and a violating trace on which this check, and only this one, fails with evidence
/// naming the packets. Client packets go through the tap's decoder as raw bytes. A check missing here fails
/// <see cref="Every_check_has_a_proof"/>.
/// </summary>
public class CheckProofs
{
    /// <summary>The steps of a compliant client session on c1; a proof replaces one step with its violation.</summary>
    public sealed record Steps
    {
        public Action<TimelineBuilder> Connect { get; init; } = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect()).Down("c1", "CONNACK", code: 0, sessionPresent: false);
        public Action<TimelineBuilder> Subscribe { get; init; } = b => b.At(100).Sent("c1", RawPackets.Subscribe(1, 0x2, ("a/+", 1))).Down("c1", "SUBACK", 1);
        public Action<TimelineBuilder> Qos0 { get; init; } = b => b.At(200).Sent("c1", Publish("a/b"));
        public Action<TimelineBuilder> Qos1 { get; init; } = b => b.At(300).Sent("c1", Publish("a/b", 1, 2)).Down("c1", "PUBACK", 2);
        public Action<TimelineBuilder> Qos2 { get; init; } = b => b.At(400).Sent("c1", Publish("a/b", 2, 3)).Down("c1", "PUBREC", 3).Sent("c1", Pubrel(3)).Down("c1", "PUBCOMP", 3);
        public Action<TimelineBuilder> Inbound1 { get; init; } = b => b.At(500).Publish("c1", "down", "a/x", 1, 7).Publish("c1", "down", "a/y", 1, 8).Sent("c1", Puback(7), Puback(8));
        public Action<TimelineBuilder> Inbound2 { get; init; } = b => b.At(600).Publish("c1", "down", "a/x", 2, 9).Publish("c1", "down", "a/y", 2, 10)
            .Sent("c1", Pubrec(9), Pubrec(10)).Down("c1", "PUBREL", 9).Down("c1", "PUBREL", 10).Sent("c1", Pubcomp(9), Pubcomp(10));
        public Action<TimelineBuilder> Outbound2 { get; init; } = b => b.At(700).Sent("c1", Publish("a/b", 2, 4), Publish("a/c", 2, 5)).Down("c1", "PUBREC", 4).Down("c1", "PUBREC", 5)
            .Sent("c1", Pubrel(4), Pubrel(5)).Down("c1", "PUBCOMP", 4).Down("c1", "PUBCOMP", 5);
        public Action<TimelineBuilder> Unsubscribe { get; init; } = b => b.At(800).Sent("c1", RawPackets.Unsubscribe(6, "a/+")).Down("c1", "UNSUBACK", 6);
        public Action<TimelineBuilder> Ping { get; init; } = b => b.At(8000).Sent("c1", Pingreq).Down("c1", "PINGRESP");
        public Action<TimelineBuilder> End { get; init; } = b => b.At(9000).Sent("c1", Disconnect).At(9001).Close("c1", "module closed");

        public TimelineBuilder Build()
        {
            var b = new TimelineBuilder();
            foreach (var step in new[] { Connect, Subscribe, Qos0, Qos1, Qos2, Inbound1, Inbound2, Outbound2, Unsubscribe, Ping, End }) step(b);
            return b;
        }
    }

    /// <summary>A CleanSession 0 client whose connection drops with QoS 1 ids 11 and 12 unacknowledged, and that resumes on c2.</summary>
    public static TimelineBuilder Resume(Action<TimelineBuilder>? resend = null)
    {
        var b = new TimelineBuilder().At(0).Open("c1").Sent("c1", Connect(clean: false)).Down("c1", "CONNACK", code: 0, sessionPresent: false)
            .At(100).Sent("c1", Publish("a/b", 1, 11, payload: "one"), Publish("a/b", 1, 12, payload: "two")).At(200).Close("c1", "broker closed")
            .At(1200).Open("c2").Sent("c2", Connect(clean: false)).Down("c2", "CONNACK", code: 0, sessionPresent: true).At(1300);
        (resend ?? (x => x.Sent("c2", Publish("a/b", 1, 11, dup: true, payload: "one"), Publish("a/b", 1, 12, dup: true, payload: "two"))))(b);
        return b.Down("c2", "PUBACK", 11).Down("c2", "PUBACK", 12).At(8000).Sent("c2", Pingreq).At(9000).Sent("c2", Disconnect).At(9001).Close("c2", "module closed");
    }

    private static readonly CheckExpectation Plain = new();
    private static readonly CheckExpectation Luat = new() { Profile = "air780e-v1120" };

    /// <summary>One check's proof. <paramref name="Compliant"/> passes it; <paramref name="Violating"/> fails it and no other.</summary>
    public sealed record Proof(string CheckId, string Name, Func<TimelineBuilder> Compliant, Func<TimelineBuilder> Violating, CheckExpectation? Expect = null,
        CheckVerdict CompliantVerdict = CheckVerdict.Pass)
    {
        public override string ToString() => $"{CheckId}: {Name}";
    }

    private static Func<TimelineBuilder> S(Steps steps) => steps.Build;
    private static readonly Func<TimelineBuilder> Ok = S(new Steps());

    public static readonly Proof[] Proofs =
    [
        new(CheckIds.PacketWellFormed, "PINGREQ with a remaining length of 1", Ok, S(new() { Ping = b => b.At(8000).Sent("c1", [0xC0, 0x01, 0x00]).Down("c1", "PINGRESP") })),
        new(CheckIds.PacketWellFormed, "reserved packet type 15", Ok, S(new() { Ping = b => b.At(8000).Sent("c1", [0xF0, 0x00]) })),
        new(CheckIds.PacketWellFormed, "client sends a PINGRESP", Ok, S(new() { Ping = b => b.At(8000).Sent("c1", [0xD0, 0x00]) })),
        new(CheckIds.PacketReservedFlags, "DISCONNECT with flags 0001", Ok, S(new() { End = b => b.At(9000).Sent("c1", [0xE1, 0x00]).At(9001).Close("c1", "module closed") })),
        new(CheckIds.PacketReservedFlags, "SUBSCRIBE with flags 0000", Ok, S(new() { Subscribe = b => b.At(100).Sent("c1", RawPackets.Subscribe(1, 0x0, ("a/+", 1))).Down("c1", "SUBACK", 1) })),
        new(CheckIds.PacketReservedFlags, "PUBREL with flags 0000", Ok, S(new() { Qos2 = b => b.At(400).Sent("c1", Publish("a/b", 2, 3)).Down("c1", "PUBREC", 3).Sent("c1", Pubrel(3, 0x0)).Down("c1", "PUBCOMP", 3) })),
        new(CheckIds.StringsUtf8, "topic with a lone continuation byte", Ok, S(new() { Qos0 = b => b.At(200).Sent("c1", Publish("", topicBytes: [0x61, 0x2F, 0xC3])) })),
        new(CheckIds.StringsUtf8, "client id with an encoded surrogate", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Packet(0x10, Str("MQTT"), [4, 2], [0, 60], Str([0x6D, 0xED, 0xA0, 0x80]))).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.StringsNoNull, "topic with U+0000", Ok, S(new() { Qos0 = b => b.At(200).Sent("c1", Publish("a/\0b")) })),
        new(CheckIds.ConnectFirstPacket, "PINGREQ before CONNECT", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", Pingreq, RawPackets.Connect()).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectOnce, "a second CONNECT", Ok, S(new() { Qos0 = b => b.At(200).Sent("c1", RawPackets.Connect()) })),
        new(CheckIds.ConnectProtocol, "MQTT 3.1 (MQIsdp, level 3)", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(protocol: "MQIsdp", level: 3)).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectReservedFlag, "connect flags bit 0 set", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(flags: 0x03)).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectWillFlags, "Will QoS 1 without the Will Flag", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(flags: 0x0A)).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectWillFlags, "Will Retain without the Will Flag", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(flags: 0x22)).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectWillFlags, "Will QoS 3", S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(will: "w")).Down("c1", "CONNACK", code: 0) }),
            S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Packet(0x10, Str("MQTT"), [4, 0x1E], [0, 60], Str("mod"), Str("w"), Str("gone"))).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectPayloadFields, "user name present with its flag 0", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(extra: Str("user"))).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectPayloadFields, "password flag 1, no password", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(user: "u", flags: 0xC2)).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectPasswordWithoutUsername, "password without the user name flag",
            S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(user: "u", password: "p")).Down("c1", "CONNACK", code: 0) }),
            S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(password: "p")).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.ConnectEmptyClientId, "empty client id with CleanSession 0",
            S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(clientId: "")).Down("c1", "CONNACK", code: 0) }),
            S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(clientId: "", clean: false)).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.KeepaliveLimit, "keep alive 2, silent 3.0 s until the broker closes at 1.5 x",
            () => new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 2)).Down("c1", "CONNACK", code: 0).At(1500).Sent("c1", Pingreq).At(3000).Sent("c1", Disconnect).At(3001).Close("c1", "module closed"),
            () => new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 2)).Down("c1", "CONNACK", code: 0).At(600).Sent("c1", Pingreq).At(3600).Close("c1", "broker closed")),
        new(CheckIds.PublishQosValid, "PUBLISH with both QoS bits set", Ok, S(new() { Qos0 = b => b.At(200).Sent("c1", Publish("a/b", flags: 0x06)) })),
        new(CheckIds.PublishQos0Dup, "QoS 0 PUBLISH with DUP 1", Ok, S(new() { Qos0 = b => b.At(200).Sent("c1", Publish("a/b", dup: true)) })),
        new(CheckIds.PublishTopicName, "wildcard in a topic name", Ok, S(new() { Qos0 = b => b.At(200).Sent("c1", Publish("a/#")) })),
        new(CheckIds.PublishTopicName, "empty topic name", Ok, S(new() { Qos0 = b => b.At(200).Sent("c1", Publish("")) })),
        new(CheckIds.PublishTopicName, "wildcard in the will topic", Ok, S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(will: "dead/+")).Down("c1", "CONNACK", code: 0) })),
        new(CheckIds.PublishDupFlag, "re-send of an in-flight id with DUP 0", Ok, S(new() { Qos1 = b => b.At(300).Sent("c1", Publish("a/b", 1, 2), Publish("a/b", 1, 2)).Down("c1", "PUBACK", 2) })),
        new(CheckIds.PublishDupFlag, "new message with DUP 1", Ok, S(new() { Qos1 = b => b.At(300).Sent("c1", Publish("a/b", 1, 2, dup: true)).Down("c1", "PUBACK", 2) })),
        new(CheckIds.PublishQos2Pubrel, "PUBREC never answered with PUBREL", Ok, S(new() { Qos2 = b => b.At(400).Sent("c1", Publish("a/b", 2, 3)).Down("c1", "PUBREC", 3) })),
        new(CheckIds.PublishQos2Pubrel, "PUBLISH re-sent after its PUBREL", Ok,
            S(new() { Qos2 = b => b.At(400).Sent("c1", Publish("a/b", 2, 3)).Down("c1", "PUBREC", 3).Sent("c1", Pubrel(3), Publish("a/b", 2, 3, dup: true)).Down("c1", "PUBCOMP", 3) })),
        new(CheckIds.SubscribeNotEmpty, "SUBSCRIBE without a filter", Ok, S(new() { Subscribe = b => b.At(100).Sent("c1", RawPackets.Subscribe(1)).Down("c1", "SUBACK", 1) })),
        new(CheckIds.SubscribeRequestedQos, "requested-QoS byte 0x05", Ok, S(new() { Subscribe = b => b.At(100).Sent("c1", RawPackets.Subscribe(1, 0x2, ("a/+", 5))).Down("c1", "SUBACK", 1) })),
        new(CheckIds.SubscribeRequestedQos, "requested QoS 3", Ok, S(new() { Subscribe = b => b.At(100).Sent("c1", RawPackets.Subscribe(1, 0x2, ("a/+", 3))).Down("c1", "SUBACK", 1) })),
        new(CheckIds.SubscribeTopicFilters, "'#' not last", Ok, S(new() { Subscribe = b => b.At(100).Sent("c1", RawPackets.Subscribe(1, 0x2, ("a/#/b", 1))).Down("c1", "SUBACK", 1) })),
        new(CheckIds.SubscribeTopicFilters, "'+' inside a level", Ok, S(new() { Unsubscribe = b => b.At(800).Sent("c1", RawPackets.Unsubscribe(6, "a/b+")).Down("c1", "UNSUBACK", 6) })),
        new(CheckIds.SubscribeTopicFilters, "empty filter", Ok, S(new() { Subscribe = b => b.At(100).Sent("c1", RawPackets.Subscribe(1, 0x2, ("", 1))).Down("c1", "SUBACK", 1) })),
        new(CheckIds.UnsubscribeNotEmpty, "UNSUBSCRIBE without a filter", Ok, S(new() { Unsubscribe = b => b.At(800).Sent("c1", RawPackets.Unsubscribe(6)).Down("c1", "UNSUBACK", 6) })),
        new(CheckIds.PacketIdNonZero, "QoS 1 PUBLISH with id 0", Ok, S(new() { Qos1 = b => b.At(300).Sent("c1", Publish("a/b", 1, 0)).Down("c1", "PUBACK", 0) })),
        new(CheckIds.PacketIdNotReusedInFlight, "a new message on an id in flight", Ok, S(new() { Qos1 = b => b.At(300).Sent("c1", Publish("a/b", 1, 2), Publish("a/c", 1, 2)).Down("c1", "PUBACK", 2) })),
        new(CheckIds.AckPacketIdMatches, "PUBACK for an id never received", Ok, S(new() { Ping = b => b.At(8000).Sent("c1", Puback(99), Pingreq).Down("c1", "PINGRESP") })),
        new(CheckIds.AckPacketIdMatches, "PUBREL before any PUBREC", Ok, S(new() { Qos2 = b => b.At(400).Sent("c1", Publish("a/b", 2, 3), Pubrel(3)).Down("c1", "PUBREC", 3).Sent("c1", Pubrel(3)).Down("c1", "PUBCOMP", 3) })),
        new(CheckIds.InboundQos1Puback, "inbound QoS 1 never acknowledged", Ok, S(new() { Inbound1 = b => b.At(500).Publish("c1", "down", "a/x", 1, 7) })),
        new(CheckIds.InboundQos2PubrecPubcomp, "PUBREL never answered with PUBCOMP", Ok,
            S(new() { Inbound2 = b => b.At(600).Publish("c1", "down", "a/x", 2, 9).Sent("c1", Pubrec(9)).Down("c1", "PUBREL", 9) })),
        new(CheckIds.OrderPuback, "PUBACKs in reverse order", Ok, S(new() { Inbound1 = b => b.At(500).Publish("c1", "down", "a/x", 1, 7).Publish("c1", "down", "a/y", 1, 8).Sent("c1", Puback(8), Puback(7)) })),
        new(CheckIds.OrderPubrec, "PUBRECs in reverse order", Ok, S(new() { Inbound2 = b => b.At(600).Publish("c1", "down", "a/x", 2, 9).Publish("c1", "down", "a/y", 2, 10)
            .Sent("c1", Pubrec(10), Pubrec(9)).Down("c1", "PUBREL", 9).Down("c1", "PUBREL", 10).Sent("c1", Pubcomp(9), Pubcomp(10)) })),
        new(CheckIds.OrderPubrel, "PUBRELs in reverse order", Ok, S(new() { Outbound2 = b => b.At(700).Sent("c1", Publish("a/b", 2, 4), Publish("a/c", 2, 5)).Down("c1", "PUBREC", 4).Down("c1", "PUBREC", 5)
            .Sent("c1", Pubrel(5), Pubrel(4)).Down("c1", "PUBCOMP", 4).Down("c1", "PUBCOMP", 5) })),
        new(CheckIds.SessionResendUnacked, "id 12 not re-sent on the resumed session", () => Resume(), () => Resume(b => b.Sent("c2", Publish("a/b", 1, 11, dup: true, payload: "one")))),
        new(CheckIds.OrderResend, "re-sends in reverse order", () => Resume(),
            () => Resume(b => b.Sent("c2", Publish("a/b", 1, 12, dup: true, payload: "two"), Publish("a/b", 1, 11, dup: true, payload: "one")))),
        new(CheckIds.DisconnectLastPacket, "PINGREQ after DISCONNECT", Ok, S(new() { End = b => b.At(9000).Sent("c1", Disconnect, Pingreq).At(9001).Close("c1", "module closed") })),
        new(CheckIds.DisconnectCloses, "connection left open 6 s after DISCONNECT", Ok, S(new() { End = b => b.At(9000).Sent("c1", Disconnect).At(15000).Close("c1", "broker closed") })),

        // The module against its configuration and the firmware reference.
        new(CheckIds.ConnectFields, "keep alive 30 where 60 was configured", Ok,
            S(new() { Connect = b => b.At(0).Open("c1").Sent("c1", RawPackets.Connect(keepAlive: 30)).Down("c1", "CONNACK", code: 0) }), new() { KeepAliveSeconds = 60 }),
        new(CheckIds.KeepalivePingPeriod, "pings every keep alive instead of 3/4",
            () => new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 60)).Down("c1", "CONNACK", code: 0).At(45_000).Sent("c1", Pingreq).At(90_000).Sent("c1", Pingreq).At(91_000).Close("c1", "module closed"),
            () => new TimelineBuilder().Open("c1").Sent("c1", Connect(keepAlive: 60)).Down("c1", "CONNACK", code: 0).At(60_000).Sent("c1", Pingreq).At(120_000).Sent("c1", Pingreq).At(121_000).Close("c1", "module closed"),
            Luat with { KeepAliveSeconds = 60 }),
        new(CheckIds.PublishQos1SentAfterPuback, "\"sent\" raised before the PUBACK",
            () => Ok().At(350).Module("sent", 2), () => S(new() { Qos1 = b => b.At(300).Sent("c1", Publish("a/b", 1, 2)).At(301).Module("sent", 2).At(302).Down("c1", "PUBACK", 2) })()),
        new(CheckIds.PublishQos2SentAfterPubcomp, "\"sent\" raised before the PUBCOMP",
            () => Ok().At(450).Module("sent", 3), () => S(new() { Qos2 = b => b.At(400).Sent("c1", Publish("a/b", 2, 3)).At(401).Down("c1", "PUBREC", 3).At(402).Module("sent", 3).At(403).Sent("c1", Pubrel(3)).At(404).Down("c1", "PUBCOMP", 3) })()),
        new(CheckIds.ReconnectPeriod, "reconnect backs off (3 s, then 6 s)",
            () => Drops(3000, 3000), () => Drops(3000, 6000), Luat with { AutoReconnectMs = 3000 }),
        new(CheckIds.ReconnectNoResend, "the firmware re-sends after a reconnect, unlike the reference",
            () => Resume(b => { }), () => Resume(), Luat, CheckVerdict.KnownDeviation),
        new(CheckIds.SubscribePerTopic, "one SUBSCRIBE for a two-topic table",
            S(new() { Subscribe = b => b.At(100).Sent("c1", RawPackets.Subscribe(1, 0x2, ("a/+", 1)), RawPackets.Subscribe(20, 0x2, ("x", 0))).Down("c1", "SUBACK", 1).Down("c1", "SUBACK", 20) }),
            Ok, Luat with { SubscribeTopics = ["a/+", "x"] }),

        // The harness broker.
        new(CheckIds.WillOnAbruptLossOnly, "the broker publishes the will after DISCONNECT", () => Will(graceful: false, published: true), () => Will(graceful: true, published: true)),
        new(CheckIds.SubscribeRetainedDelivered, "the broker does not deliver the retained message", () => Retained(delivered: true), () => Retained(delivered: false), new() { ClientId = "mod" }),
        new(CheckIds.SessionDuplicateClientId, "the broker keeps the older connection open", () => Takeover(closed: true), () => Takeover(closed: false)),
    ];

    private static TimelineBuilder Drops(params int[] gaps)
    {
        var b = new TimelineBuilder().Open("c1").Sent("c1", Connect()).Down("c1", "CONNACK", code: 0).At(100).Close("c1", "broker closed");
        double t = 100;
        for (var i = 0; i < gaps.Length; i++)
        {
            t += gaps[i];
            var conn = $"c{i + 2}";
            b.At(t).Open(conn).Sent(conn, Connect()).Down(conn, "CONNACK", code: 0).At(t + 100).Close(conn, "broker closed");
            t += 100;
        }
        return b;
    }

    private static TimelineBuilder Will(bool graceful, bool published)
    {
        var b = new TimelineBuilder().Open("s1").Sent("s1", Connect(clientId: "sub")).Down("s1", "CONNACK", code: 0)
            .At(10).Open("c1").Sent("c1", Connect(will: "dead")).Down("c1", "CONNACK", code: 0).At(100);
        if (graceful) b.Sent("c1", Disconnect);
        b.At(101).Close("c1", graceful ? "module closed" : "up stream error: reset");
        if (published) b.At(102).Add(new() { Kind = "packet", Dir = "down", Conn = "s1", Type = "PUBLISH", Topic = "dead", Qos = 1, PacketId = 1, PayloadSize = 4 }).Sent("s1", Puback(1));
        return b.At(20_000).Sent("s1", Disconnect).At(20_001).Close("s1", "module closed");
    }

    private static TimelineBuilder Retained(bool delivered)
    {
        var b = new TimelineBuilder().Open("p1").Sent("p1", Connect(clientId: "pub"), Publish("r", retain: true), Disconnect).Down("p1", "CONNACK", code: 0).Close("p1", "module closed")
            .At(100).Open("c1").Sent("c1", Connect()).Down("c1", "CONNACK", code: 0).Sent("c1", RawPackets.Subscribe(1, 0x2, ("r", 0))).Down("c1", "SUBACK", 1);
        if (delivered) b.At(110).Publish("c1", "down", "r", 0, null, retain: true);
        return b.At(200).Sent("c1", Disconnect).Close("c1", "module closed");
    }

    private static TimelineBuilder Takeover(bool closed)
    {
        var b = new TimelineBuilder().Open("c1").Sent("c1", Connect()).Down("c1", "CONNACK", code: 0)
            .At(100).Open("c2").Sent("c2", Connect()).Down("c2", "CONNACK", code: 0);
        if (closed) b.At(101).Close("c1", "broker closed");
        return b.At(102).Module("disconnect").At(200).Sent("c2", Disconnect).Close("c2", "module closed");
    }

    public static TheoryData<Proof> All() => new(Proofs);

    private static IReadOnlyList<CheckResult> Judge(TimelineBuilder b, Proof p) => CheckCatalogue.Run(new CheckContext(b.Build(), p.Expect ?? Plain));

    [Theory, MemberData(nameof(All))]
    public void Compliant_trace_passes_and_fails_no_check(Proof proof)
    {
        var results = Judge(proof.Compliant(), proof);
        Assert.Equal([], results.Where(r => r.Verdict == CheckVerdict.Fail).Select(r => $"{r.Id}: {r.Explanation}"));
        Assert.Equal(proof.CompliantVerdict, results.Single(r => r.Id == proof.CheckId).Verdict);
    }

    [Theory, MemberData(nameof(All))]
    public void Violating_trace_fails_this_check_only_with_evidence(Proof proof)
    {
        var results = Judge(proof.Violating(), proof);
        Assert.Equal([proof.CheckId], results.Where(r => r.Verdict == CheckVerdict.Fail).Select(r => r.Id));
        var fail = results.Single(r => r.Id == proof.CheckId);
        Assert.NotEmpty(fail.Evidence);
        Assert.Matches(@"c\d@|\bc\d\b|id \d", fail.Explanation + " " + string.Join(" ", fail.Measured));
    }

    [Fact]
    public void Every_check_has_a_proof() =>
        Assert.Empty(CheckCatalogue.All.Select(c => c.Id).Except(Proofs.Select(p => p.CheckId)));
}
