using Air780Bridge.Client;
using System.Text;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Conformance;

public static partial class ConformanceSuite
{
    private static readonly TimeSpan NoEventWindow = TimeSpan.FromSeconds(3);

    private static IEnumerable<Scenario> MessageScenarios() =>
    [
        new("publish.qos0", "publish", "QoS 0 publish: id 0, sent at once", "publish(topic, data), sent event, §5", PublishQos0),
        new("publish.qos1", "publish", "QoS 1 publish: sent only after PUBACK", "publish(.., 1), sent event, §4, [MQTT-4.3.2-1]", PublishQos1)
        {
            FixedWait = _ => NoEventWindow,
            Judges = Checks(CheckIds.PublishQos1SentAfterPuback, CheckIds.PacketIdNonZero, CheckIds.PacketIdNotReusedInFlight),
        },
        new("publish.qos2", "publish", "QoS 2 publish: PUBREC -> PUBREL -> PUBCOMP, sent only on PUBCOMP", "publish(.., 2); doc page says PUBREC; §5, §16.1", PublishQos2)
        {
            Judges = Checks(CheckIds.PublishQos2SentAfterPubcomp), FixedWait = _ => NoEventWindow,
        },
        new("publish.retain", "publish", "retain flag reaches the broker and the retained message is delivered", "publish(.., retain=1), [MQTT-3.3.1-5] (broker)", PublishRetain),
        new("publish.message-ids", "publish", "one message-id counter shared by publish, subscribe and unsubscribe, from 1 after auth()", "§5 message ids", MessageIds),
        new("subscribe.inbound", "subscribe", "subscribe(topic, qos): suback and inbound QoS 0/1/2 with their acks", "subscribe, recv + metas, suback, §6, [MQTT-4.3.2-2], [MQTT-4.3.3-2]", SubscribeInbound) { Judges = Checks(CheckIds.InboundQos1Puback, CheckIds.InboundQos2PubrecPubcomp) },
        new("subscribe.table", "subscribe", "table subscribe: one SUBSCRIBE per topic", "subscribe({[t]=qos,...}), §5", SubscribeTable) { Judges = Checks(CheckIds.SubscribePerTopic) },
        new("unsubscribe.forms", "subscribe", "unsubscribe(topic) and unsubscribe({...}): packets, return values, unsuback", "unsubscribe string/table, §5, §16.3", UnsubscribeForms),
    ];

    private static async Task PublishQos0(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        var result = await ctx.Lua("mqtt.publish", h, Topic(ctx, "q0"), "hello");
        ctx.Check("publish.qos0.id", "QoS 0 publish returns message id 0", $"{Ref} §5", result is [0L], measured: ScenarioContext.Describe(result), allowed: "0");
        var sent = await ctx.Event(h, "sent");
        ctx.Check("publish.qos0.sent", "sent(0) follows a QoS 0 publish", "seed: on() sent", sent.MessageId == 0, measured: ScenarioContext.Describe(sent.Args));
        var wire = await Packet(ctx, "up", "PUBLISH", e => e.Topic == Topic(ctx, "q0"));
        // A stray packet id in a QoS 0 PUBLISH reads as payload ([MQTT-2.3.1-5] is not observable); QoS and DUP are.
        ctx.Check("publish.qos0.wire", "PUBLISH goes out at QoS 0 with DUP 0", "[MQTT-4.3.1-1]", wire is { Qos: 0, Dup: false }, measured: $"q{wire.Qos} dup={wire.Dup}");
        await ctx.Close(h);
    }

    private static async Task PublishQos1(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        using (ctx.Harness.WithholdAck(ctx.ClientId(), "PUBACK"))
        {
            var withheld = await ctx.Lua("mqtt.publish", h, Topic(ctx, "held"), "x", 1L);
            var id = withheld.FirstOrDefault() as long?;
            await Packet(ctx, "up", "PUBLISH", e => e.PacketId == id);
            ctx.Check("publish.qos1.sent-awaits-puback", "no sent while the PUBACK is withheld", "seed: QoS1 success = PUBACK",
                !await Raised(ctx, h, "sent", o => o.MessageId == id), measured: "no sent within 3 s", allowed: "no sent");
        }
        var result = await ctx.Lua("mqtt.publish", h, Topic(ctx, "q1"), new byte[] { 0, 0xFF, 0x80, 1 }, 1L);
        var messageId = result.FirstOrDefault() as long?;
        ctx.Check("publish.qos1.id", "QoS 1 publish returns a non-zero id", "[MQTT-2.3.1-1]", messageId is > 0, measured: ScenarioContext.Describe(result));
        var sentAt = (await ctx.Event(h, "sent", where: o => o.MessageId == messageId)).T;
        var puback = await Packet(ctx, "down", "PUBACK", e => e.PacketId == messageId);
        var publish = await Packet(ctx, "up", "PUBLISH", e => e.PacketId == messageId);
        ctx.Check("publish.qos1.binary", "binary payload arrives whole", "seed: publish data", publish.PayloadSize == 4, measured: $"{publish.PayloadSize} B", allowed: "4 B");
        ctx.Check("publish.qos1.order", "sent after the PUBACK of the same id", "seed: QoS1 success = PUBACK", sentAt > puback.T - ctx.Harness.ClockUncertaintyUs);
        ctx.Measure("publish -> sent (QoS 1)", [(sentAt - publish.T) / 1000.0]);
        await ctx.Judge(new CheckExpectation());
        await ctx.Close(h);
    }

    private static async Task PublishQos2(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        using (ctx.Harness.WithholdAck(ctx.ClientId(), "PUBCOMP"))
        {
            var held = await ctx.Mqtt(h).PublishAsync(Topic(ctx, "held"), "x", 2);
            await Packet(ctx, "up", "PUBREL", e => e.PacketId == held);
            var early = await Raised(ctx, h, "sent", o => o.MessageId == held);
            if (early)
                ctx.Check("publish.qos2.sent-awaits-pubcomp", "sent only on PUBCOMP (the firmware source), not on PUBREC (the doc page)", $"{Ref} §16.1", false,
                    measured: "sent after PUBREC", allowed: "sent after PUBCOMP");
            else
                ctx.Deviation("publish.qos2.sent-awaits-pubcomp", "sent fires on PUBCOMP, not on PUBREC as the doc page says", $"{Ref} §16.1",
                    "no sent while PUBCOMP is withheld", "The API page promises success at PUBREC; the firmware sends PUBREL and reports sent only on PUBCOMP.");
        }
        var id = await ctx.Mqtt(h).PublishAsync(Topic(ctx, "q2"), "two", 2);
        var sent = await ctx.Event(h, "sent", where: o => o.MessageId == id);
        await Packet(ctx, "down", "PUBCOMP", e => e.PacketId == id && e.T <= sent.T + ctx.Harness.ClockUncertaintyUs);
        await ctx.Judge(new CheckExpectation());
        await ctx.Close(h);
    }

    private static async Task PublishRetain(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        var topic = Topic(ctx, "retained");
        await ctx.Mqtt(h).PublishAsync(topic, "kept", 1, 1);
        var publish = await Packet(ctx, "up", "PUBLISH", e => e.Topic == topic);
        ctx.Check("publish.retain.flag", "PUBLISH carries RETAIN=1", "§3.3.1.3", publish.Retain == true);
        // The broker's PUBACK says it has stored the message; a subscriber arriving earlier could miss it.
        await Packet(ctx, "down", "PUBACK", e => e.PacketId == publish.PacketId);
        await using var peer = await ctx.Harness.ConnectPeerAsync(ctx.ClientId("peer"), ctx.Token);
        await peer.SubscribeAsync(topic, ctx.Token);
        ctx.Check("publish.retain.delivered", "a new subscriber gets the retained message", "[MQTT-3.3.1-6] (broker)",
            await peer.WaitForMessageAsync(topic, TimeSpan.FromSeconds(5), ctx.Token) && peer.Received.Any(m => m.Topic == topic && m.Retain));
        await peer.PublishAsync(topic, [], 1, true, ctx.Token); // clears the retained message for later runs
        await ctx.Close(h);
    }

    private static async Task MessageIds(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        var ids = new List<long?>
        {
            await ctx.Mqtt(h).PublishAsync(Topic(ctx, "a"), "1", 1),
            await ctx.Mqtt(h).SubscribeAsync(Topic(ctx, "s"), 1),
            await ctx.Mqtt(h).UnsubscribeAsync(Topic(ctx, "s")),
            await ctx.Mqtt(h).PublishAsync(Topic(ctx, "b"), "2", 2),
        };
        ctx.Check("msgid.shared-counter", "ids 1, 2, 3, 4: publish, subscribe and unsubscribe share one counter starting at 1 after auth()", $"{Ref} §5",
            ids.SequenceEqual([1L, 2L, 3L, 4L]), measured: string.Join(", ", ids.Select(i => i?.ToString() ?? "nil")), allowed: "1, 2, 3, 4");
        await ctx.Close(h);
    }

    private static async Task SubscribeInbound(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        var topic = Topic(ctx, "in");
        var subscribeId = await ctx.Mqtt(h).SubscribeAsync(topic, 2);
        await Packet(ctx, "down", "SUBACK", e => e.PacketId == subscribeId);
        if (ctx.Firmware.HasSubackEvent)
        {
            var suback = await ctx.Event(h, "suback");
            ctx.Check("subscribe.suback-event", "suback(true, granted qos)", $"{Ref} §4 suback", suback.Args is [true, long granted] && granted <= 2,
                measured: ScenarioContext.Describe(suback.Args));
        }
        await using var peer = await ctx.Harness.ConnectPeerAsync(ctx.ClientId("peer"), ctx.Token);
        foreach (var qos in new[] { 0, 1, 2 })
        {
            var payload = Encoding.ASCII.GetBytes($"qos{qos}");
            await peer.PublishAsync(topic, payload, qos, false, ctx.Token);
            var recv = await ctx.Event(h, "recv", where: o => o.Args.ElementAtOrDefault(1) is byte[] p && p.SequenceEqual(payload));
            var metas = recv.Args.ElementAtOrDefault(2) as IReadOnlyDictionary<object, object?>;
            ctx.Check($"recv.qos{qos}.metas", $"recv(topic, payload, metas) with metas.qos = {qos}", "seed: on() recv metas",
                recv.Args[0] is byte[] t && Encoding.UTF8.GetString(t) == topic && metas?.GetValueOrDefault("qos") is long q && q == qos,
                measured: ScenarioContext.Describe(recv.Args));
            if (qos == 0)
                continue;
            var inbound = await Packet(ctx, "down", "PUBLISH", e => e.Topic == topic && e.Qos == qos);
            // The acks the wire checks judge below must have happened first.
            await Packet(ctx, "up", qos == 1 ? "PUBACK" : "PUBCOMP", e => e.PacketId == inbound.PacketId);
        }
        await ctx.Judge(new CheckExpectation());
        await ctx.Close(h);
    }

    private static async Task SubscribeTable(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        var topics = new Dictionary<string, object?> { [Topic(ctx, "t1")] = 0L, [Topic(ctx, "t2")] = 1L, [Topic(ctx, "t3")] = 2L };
        var result = await ctx.Lua("mqtt.subscribe", h, topics);
        ctx.Check("subscribe.table.return", "table subscribe returns the last message id", $"{Ref} §5", result is [long], measured: ScenarioContext.Describe(result));
        foreach (var topic in topics.Keys)
            await Packet(ctx, "up", "SUBSCRIBE", e => e.Topic == topic);
        if (ctx.Firmware.HasSubackEvent)
        {
            for (var i = 0; i < topics.Count; i++)
                await ctx.Event(h, "suback", where: o => ctx.Events(h).Count(e => e.Name == "suback") > i);
            ctx.Check("subscribe.table.subacks", "one suback event per topic", $"{Ref} §4", ctx.Events(h).Count(e => e.Name == "suback") == topics.Count);
        }
        await ctx.Judge(new CheckExpectation { SubscribeTopics = topics.Keys.ToList() });
        await ctx.Close(h);
    }

    private static async Task UnsubscribeForms(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        var single = await ctx.Lua("mqtt.unsubscribe", h, Topic(ctx, "u1"));
        ctx.Check("unsubscribe.string.return", "unsubscribe(topic) returns the message id (the doc page says nothing)", $"{Ref} §5, §16.3",
            single is [long], measured: ScenarioContext.Describe(single));
        var list = await ctx.Lua("mqtt.unsubscribe", h, new object?[] { Topic(ctx, "u2"), Topic(ctx, "u3") });
        var tableReturns = ctx.Firmware.UnsubscribeTableReturnsId;
        ctx.Check("unsubscribe.table.return", tableReturns ? "unsubscribe(table) returns the last id" : "unsubscribe(table) returns nil on this firmware (fixed in V2026)",
            $"{Ref} §5", tableReturns ? list is [long] : list is [] or [null], measured: ScenarioContext.Describe(list));
        foreach (var topic in new[] { "u1", "u2", "u3" })
            await Packet(ctx, "up", "UNSUBSCRIBE", e => e.Topic == Topic(ctx, topic));
        ctx.Check("unsubscribe.table.packets", "one UNSUBSCRIBE per topic", $"{Ref} §5",
            ctx.Timeline().Count(e => e is { Kind: "packet", Type: "UNSUBSCRIBE" }) == 3);
        if (ctx.Firmware.HasSubackEvent)
        {
            await ctx.Event(h, "unsuback", where: _ => ctx.Events(h).Count(e => e.Name == "unsuback") >= 3);
            ctx.Check("unsubscribe.unsuback-events", "one unsuback event per UNSUBACK", $"{Ref} §4", ctx.Events(h).Count(e => e.Name == "unsuback") == 3);
        }
        await ctx.Close(h);
    }

    internal static string Topic(ScenarioContext ctx, string name) => $"air780/{ctx.ClientIdPrefix}/{name}";

    /// <summary>Waits until the tap recorded a packet of this scenario.</summary>
    internal static Task<TimelineEntry> Packet(ScenarioContext ctx, string dir, string type, Func<TimelineEntry, bool> where, TimeSpan? timeout = null) =>
        Entry(ctx, $"{type} ({(dir == "up" ? "module -> broker" : "broker -> module")})",
            e => e.Kind == "packet" && e.Dir == dir && e.Type == type && where(e), timeout);

    /// <summary>Waits until the scenario's timeline holds a matching entry.</summary>
    internal static async Task<TimelineEntry> Entry(ScenarioContext ctx, string what, Func<TimelineEntry, bool> match, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        return await ctx.WaitForEntryAsync(match, limit) ?? throw new ScenarioFailedException($"the tap saw no {what} within {limit.TotalSeconds:0} s");
    }

    /// <summary>True when the event is raised within <see cref="NoEventWindow"/> (used to show that something does NOT happen).</summary>
    internal static async Task<bool> Raised(ScenarioContext ctx, long h, string name, Func<MqttEvent, bool>? where = null)
    {
        try
        {
            await ctx.Event(h, name, NoEventWindow, where);
            return true;
        }
        catch (ScenarioFailedException)
        {
            return false;
        }
    }
}
