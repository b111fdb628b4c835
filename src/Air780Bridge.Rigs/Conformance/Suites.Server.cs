using Air780Bridge.Client;
using System.Text;
using Air780Bridge.Harness.Faults.Server;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// The module as a receiver: the harness sends what a broken or hostile server would (Harness/Faults/Server).
/// Judged against MQTT 3.1.1 where it speaks (a protocol violation must close the connection, [MQTT-4.8.0-1]) and
/// against the firmware's C code where it is silent; every scenario also proves the module did not reboot and
/// works again after a reconnect. Where the firmware departs from the spec the verdict is a known deviation
/// naming the libemqtt source that shows it.
/// </summary>
public static partial class ConformanceSuite
{
    private const string Cli = "components/network/libemqtt/luat_mqtt_client.c";
    private const string Pkt = "components/network/libemqtt/libemqtt.c";
    private const string Lib = "components/network/libemqtt/luat_lib_mqtt.c";
    /// <summary>How long a module gets to close after a violation before the verdict says it did not.</summary>
    private static readonly TimeSpan CloseWindow = TimeSpan.FromSeconds(3);
    /// <summary>How long a connection must stay up after a fault the module is expected to survive.</summary>
    private static readonly TimeSpan StaysWindow = TimeSpan.FromSeconds(1);
    /// <summary>When the harness sends the late CONNACK: after the scenario's conn_timeout has ended the attempt.</summary>
    private static readonly TimeSpan LateConnackDelay = TimeSpan.FromSeconds(8);
    /// <summary>The close window waited out where the firmware keeps the connection open (it never closes, so the
    /// whole window passes); one that closes ends it at once.</summary>
    private static Func<FirmwareExpectations, TimeSpan> OpenUnless(Func<FirmwareExpectations, bool> closes) =>
        f => closes(f) ? TimeSpan.Zero : CloseWindow;

    private static IEnumerable<Scenario> ServerScenarios() =>
    [
        new("server.bad-remaining-length", "server", "a 5-byte remaining length: the module must close", "[MQTT-4.8.0-1]; §2.2.3; " + Cli + " mqtt_parse", BadRemainingLength) { FixedWait = OpenUnless(_ => false) },
        new("server.reserved-flags", "server", "PINGRESP with reserved flags 0xF: the module must close", "[MQTT-2.2.2-2]; " + Pkt + " MQTTParseMessageType", ReservedFlags) { FixedWait = OpenUnless(_ => false) },
        new("server.unknown-type", "server", "a packet of reserved type 0: the module must close", "[MQTT-4.8.0-1]; " + Cli + " luat_mqtt_msg_cb", UnknownType) { FixedWait = OpenUnless(_ => false) },
        new("server.publish-qos3", "server", "PUBLISH with QoS 3: the module must close", "[MQTT-3.3.1-4]; " + Cli + " luat_mqtt_msg_cb (98)", PublishQos3Scenario) { FixedWait = OpenUnless(f => f.Profile.DefensiveParsing) },
        new("server.wildcard-topic", "server", "PUBLISH to a topic name with + and #: the module must close", "[MQTT-3.3.2-2], [MQTT-4.8.0-1]", WildcardTopicScenario) { FixedWait = OpenUnless(_ => false) },
        new("server.invalid-utf8-topic", "server", "PUBLISH whose topic is ill-formed UTF-8 with U+0000: the module must close", "[MQTT-1.5.3-1], [MQTT-1.5.3-2]", InvalidUtf8) { FixedWait = OpenUnless(_ => false) },
        new("server.second-connack", "server", "a second CONNACK: the module must close", "[MQTT-3.2.0-1], [MQTT-4.8.0-1]; " + Cli + " luat_mqtt_msg_cb (95)", SecondConnackScenario) { FixedWait = OpenUnless(f => f.Profile.DefensiveParsing) },
        new("server.stray-puback", "server", "PUBACK for an id not in flight: sent(id), connection stays", Cli + " MQTT_MSG_PUBACK; " + Lib + " \"sent\"", ctx => StrayAckScenario(ctx, "stray-puback")) { FixedWait = _ => StaysWindow },
        new("server.stray-pubrec", "server", "PUBREC for an id not in flight: PUBREL(id), connection stays", Cli + " MQTT_MSG_PUBREC -> mqtt_pubrel", ctx => StrayAckScenario(ctx, "stray-pubrec")) { FixedWait = _ => StaysWindow },
        new("server.stray-suback", "server", "SUBACK for an id not in flight: suback event, connection stays", Cli + " MQTT_MSG_SUBACK", ctx => StrayAckScenario(ctx, "stray-suback")) { FixedWait = _ => StaysWindow },
        new("server.stray-unsuback", "server", "UNSUBACK for an id not in flight: unsuback event, connection stays", Cli + " MQTT_MSG_UNSUBACK", ctx => StrayAckScenario(ctx, "stray-unsuback")) { FixedWait = _ => StaysWindow },
        new("server.suback-failure", "server", "SUBACK with return code 0x80: suback(false, 128)", "§3.9.3; " + Lib + " \"suback\"", SubackFailureScenario) { FixedWait = _ => StaysWindow },
        new("server.pubrel-before-pubrec", "server", "PUBREL for an id never received: PUBCOMP(id)", "[MQTT-4.3.3-2]; " + Cli + " MQTT_MSG_PUBREL", PubrelFirst) { FixedWait = _ => StaysWindow },
        new("server.qos2-duplicate", "server", "a QoS 2 redelivery with DUP=1 before PUBREL: PUBREC again, delivered once", "[MQTT-4.3.3-2]; " + Cli + " MQTT_MSG_PUBLISH", Qos2Duplicate),
        new("server.oversize", "server", "a packet larger than rxSize: the module closes (transient error)", "[MQTT-4.8.0-2]; " + Cli + " luat_mqtt_read_packet", Oversize),
        new("server.split", "server", "one PUBLISH in 1-byte TCP segments is reassembled", "§4.2; " + Cli + " mqtt_parse", Split),
        new("server.late-connack", "server", "CONNACK only after conn_timeout: the attempt has ended, the late CONNACK changes nothing", "§3.2 (no statement id); " + Cli + " conn_timer", LateConnack) { FixedWait = _ => LateConnackDelay },
    ];

    /// <summary>Connects a client with autoreconnect off: every close ends in "close" and the scenario reconnects itself.</summary>
    private static Task<long> ServerClient(ScenarioContext ctx, Func<long, Task>? configure = null) => ctx.Connected(configure: configure);

    private static Task Inject(ScenarioContext ctx, string fault, ServerFaultArgs? args = null) =>
        ctx.Harness.InjectAsync(ctx.ClientId(), fault, args ?? new ServerFaultArgs(Topic: Topic(ctx, "fault")), ctx.Token);

    /// <summary>True when the module raised "disconnect" within <see cref="CloseWindow"/> of the fault.</summary>
    private static async Task<bool> ClosedByModule(ScenarioContext ctx, long h, TimeSpan? window = null)
    {
        try
        {
            await ctx.Event(h, "disconnect", window ?? CloseWindow);
            return true;
        }
        catch (ScenarioFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The spec's "must close" judged: pass when the module closed; a known deviation when it did not and this
    /// firmware is documented not to (<paramref name="firmwareCloses"/> false, <paramref name="cSource"/> shows it);
    /// a failure otherwise (a firmware that should close and did not, or one that closes though its code does not).
    /// </summary>
    private static void JudgeClose(ScenarioContext ctx, string id, string title, string statements, bool closed, bool firmwareCloses, string cSource)
    {
        if (closed == firmwareCloses && !closed)
        {
            ctx.Deviation(id, title, statements, "the connection stayed open",
                $"The firmware does not check this ({cSource}): it carries on instead of closing the connection as 3.1.1 requires.");
            return;
        }
        ctx.Check(id, title, statements, closed && firmwareCloses, measured: closed ? "the module closed the connection" : "the connection stayed open",
            allowed: firmwareCloses ? "closed" : "open, as this firmware stays",
            explanation: closed == firmwareCloses ? null : $"{ctx.Module.Profile} should {(firmwareCloses ? "close" : "stay open")} here per {cSource}");
    }

    /// <summary>Defensive parsing (V1118+/V2020+) closes with disconnect -> (close) -> error("connect", code).</summary>
    private static async Task JudgeProtocolError(ScenarioContext ctx, long h, int code)
    {
        if (!ctx.Firmware.Profile.DefensiveParsing || !ctx.Firmware.HasErrorEvent) return;
        var error = await ctx.Event(h, "error");
        var names = ctx.Events(h).Select(e => e.Name).ToList();
        ctx.Check("server.error-event", $"error(\"connect\", {code}) after disconnect, as _close_mqtt posts it", $"{Ref} §4; {Cli} _close_mqtt",
            error.Args is [byte[] kind, long c] && Encoding.ASCII.GetString(kind) == "connect" && c == code && names.IndexOf("disconnect") < names.IndexOf("error"),
            measured: $"{ScenarioContext.Describe(error.Args)}; {string.Join(" -> ", names)}", allowed: $"\"connect\", {code} after disconnect");
    }

    /// <summary>
    /// The end of every server scenario: the module still answers (no reboot: a reboot fails the call), the
    /// connection is ended if the module kept it, and connect() again reaches conack and a QoS 1 round trip.
    /// </summary>
    private static async Task Recovers(ScenarioContext ctx, long h, bool closed)
    {
        if (!closed)
        {
            await ctx.Harness.DropAsync(ctx.ClientId(), ctx.Token);
            await ctx.Event(h, "disconnect");
        }
        await ctx.Event(h, "close");
        var state = await ctx.Lua("mqtt.state", h);
        ctx.Check("server.alive", "the module answers after the fault (no reboot) and the client is disconnected", $"{Ref} §3, §11",
            state is [0L], measured: ScenarioContext.Describe(state), allowed: "0");
        var conacks = ctx.Events(h).Count(e => e.Name == "conack");
        ScenarioContext.Expect(await ctx.Lua("mqtt.connect", h) is [true], "connect() returned true", "connect() after the fault did not return true");
        await ctx.Event(h, "conack", where: _ => ctx.Events(h).Count(e => e.Name == "conack") > conacks);
        var id = await ctx.Mqtt(h).PublishAsync(Topic(ctx, "after"), "again", 1);
        var sent = await Raised(ctx, h, "sent", o => o.MessageId == id);
        ctx.Check("server.recovers", "after reconnecting, a QoS 1 publish completes (sent)", "seed: connect, publish, sent", sent,
            measured: sent ? $"sent({id})" : "no sent within 3 s", allowed: $"sent({id})");
        await ctx.Close(h);
    }

    private static async Task BadRemainingLength(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        await Inject(ctx, "bad-remaining-length");
        var closed = await ClosedByModule(ctx, h);
        JudgeClose(ctx, "server.bad-remaining-length.close", "a remaining length over 4 bytes closes the connection", "[MQTT-4.8.0-1], §2.2.3", closed, false,
            $"{Cli} mqtt_parse counts at most 4 length bytes and {Pkt} mqtt_parse_rem_len reads a 5th, so the packet looks incomplete and the client waits for more data");
        ctx.Check("server.bad-remaining-length.silent", "no event while the module waits for the rest of the packet", $"{Cli} mqtt_parse",
            closed || ctx.Events(h).All(e => e.Name == "conack"), measured: string.Join(", ", ctx.Events(h).Select(e => e.Name)));
        await Recovers(ctx, h, closed);
    }

    private static async Task ReservedFlags(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        await Inject(ctx, "reserved-flags");
        var closed = await ClosedByModule(ctx, h);
        JudgeClose(ctx, "server.reserved-flags.close", "a PINGRESP with reserved flags set closes the connection", "[MQTT-2.2.2-2]", closed, false,
            $"{Pkt} MQTTParseMessageType keeps only the high nibble; flags are never checked");
        if (ctx.Firmware.HasPongEvent && !closed)
            ctx.Check("server.reserved-flags.pong", "the packet is taken as a PINGRESP: pong", $"{Cli} MQTT_MSG_PINGRESP; {Ref} §4",
                await Raised(ctx, h, "pong"), allowed: "pong");
        await Recovers(ctx, h, closed);
    }

    private static async Task UnknownType(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        await Inject(ctx, "unknown-type");
        var closed = await ClosedByModule(ctx, h);
        JudgeClose(ctx, "server.unknown-type.close", "a packet of reserved type 0 closes the connection", "[MQTT-4.8.0-1], §2.2.1", closed, false,
            $"{Cli} luat_mqtt_msg_cb ignores unknown types in READY (switch default)");
        await Recovers(ctx, h, closed);
    }

    private static async Task PublishQos3Scenario(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        await Inject(ctx, "publish-qos3");
        var closed = await ClosedByModule(ctx, h);
        var defensive = ctx.Firmware.Profile.DefensiveParsing;
        JudgeClose(ctx, "server.publish-qos3.close", "PUBLISH with QoS 3 closes the connection", "[MQTT-3.3.1-4]", closed, defensive,
            $"{Cli} luat_mqtt_msg_cb before the 2025-12-19 defensive parsing (V1118/V2020) has no QoS check");
        if (closed) await JudgeProtocolError(ctx, h, 98);
        await Recovers(ctx, h, closed);
    }

    private static async Task WildcardTopicScenario(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        var topic = Topic(ctx, "fault") + "/+/#";
        await Inject(ctx, "wildcard-topic");
        var closed = await ClosedByModule(ctx, h);
        JudgeClose(ctx, "server.wildcard-topic.close", "a topic name with wildcards closes the connection", "[MQTT-3.3.2-2], [MQTT-4.8.0-1]", closed, false,
            $"{Cli} luat_mqtt_msg_cb copies the topic without checking it");
        var recv = ctx.Events(h).FirstOrDefault(e => e.Name == "recv");
        ctx.Check("server.wildcard-topic.recv", "the firmware delivers it as recv with the topic as sent", $"{Cli} MQTT_MSG_PUBLISH; {Ref} §6",
            recv?.Args.ElementAtOrDefault(0) is byte[] t && Encoding.UTF8.GetString(t) == topic, measured: recv is null ? "no recv" : ScenarioContext.Describe(recv.Args), allowed: topic);
        await Recovers(ctx, h, closed);
    }

    private static async Task InvalidUtf8(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        await Inject(ctx, "invalid-utf8-topic");
        var closed = await ClosedByModule(ctx, h);
        JudgeClose(ctx, "server.invalid-utf8-topic.close", "ill-formed UTF-8 and U+0000 in a topic close the connection", "[MQTT-1.5.3-1], [MQTT-1.5.3-2]", closed, false,
            $"{Cli} luat_mqtt_msg_cb / {Pkt} mqtt_parse_pub_topic copy topic bytes without UTF-8 validation");
        var recv = ctx.Events(h).FirstOrDefault(e => e.Name == "recv");
        byte[] expected = [.. Encoding.UTF8.GetBytes(Topic(ctx, "fault") + "/"), .. InvalidUtf8Topic.BadBytes];
        ctx.Check("server.invalid-utf8-topic.recv", "the firmware delivers the raw topic bytes as recv", $"{Cli} MQTT_MSG_PUBLISH; {Ref} §6",
            recv?.Args.ElementAtOrDefault(0) is byte[] t && t.AsSpan().SequenceEqual(expected), measured: recv is null ? "no recv" : Convert.ToHexString((byte[]?)recv.Args[0] ?? []),
            allowed: Convert.ToHexString(expected));
        await Recovers(ctx, h, closed);
    }

    private static async Task SecondConnackScenario(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        await Inject(ctx, "second-connack");
        var closed = await ClosedByModule(ctx, h);
        var defensive = ctx.Firmware.Profile.DefensiveParsing;
        JudgeClose(ctx, "server.second-connack.close", "a second CONNACK closes the connection", "[MQTT-3.2.0-1], [MQTT-4.8.0-1]", closed, defensive,
            $"{Cli} luat_mqtt_msg_cb before the 2025-12-19 defensive parsing handles every CONNACK as the first");
        if (closed) await JudgeProtocolError(ctx, h, 95);
        else
            ctx.Check("server.second-connack.conack", "the firmware raises conack again", $"{Cli} MQTT_MSG_CONNACK",
                await Raised(ctx, h, "conack", _ => ctx.Events(h).Count(e => e.Name == "conack") > 1), allowed: "a second conack");
        await Recovers(ctx, h, closed);
    }

    private static async Task StrayAckScenario(ScenarioContext ctx, string fault)
    {
        var h = await ServerClient(ctx);
        var stray = ServerFaultArgs.StrayPacketId;
        await Inject(ctx, fault, new ServerFaultArgs(PacketId: stray));
        switch (fault)
        {
            case "stray-puback":
                // The firmware keeps no in-flight table: any PUBACK is passed to Lua as sent(id).
                ctx.Check("server.stray-puback.sent", $"sent({stray}) for the stray PUBACK, as luat_mqtt_msg_cb posts every PUBACK", $"{Cli} MQTT_MSG_PUBACK; {Lib} \"sent\"",
                    await Raised(ctx, h, "sent", o => o.MessageId == stray), allowed: $"sent({stray})");
                break;
            case "stray-pubrec":
                var pubrel = await Packet(ctx, "up", "PUBREL", e => e.PacketId == stray);
                ctx.Check("server.stray-pubrec.pubrel", $"PUBREL({stray}) with flags 0x2 answers the stray PUBREC", $"{Cli} MQTT_MSG_PUBREC -> mqtt_pubrel; [MQTT-3.6.1-1]",
                    pubrel.Flags == 0x2, measured: $"flags 0x{pubrel.Flags:X}", allowed: "0x2");
                break;
            case "stray-suback" when ctx.Firmware.HasSubackEvent:
                var suback = await ctx.Event(h, "suback");
                ctx.Check("server.stray-suback.event", "suback(true, 0): the first return code byte, no id check", $"{Cli} MQTT_MSG_SUBACK; {Ref} §4",
                    suback.Args is [true, 0L], measured: ScenarioContext.Describe(suback.Args), allowed: "true, 0");
                break;
            case "stray-unsuback" when ctx.Firmware.HasSubackEvent:
                ctx.Check("server.stray-unsuback.event", "unsuback for the stray UNSUBACK (the id is not checked)", $"{Cli} MQTT_MSG_UNSUBACK; {Ref} §4",
                    await Raised(ctx, h, "unsuback"), allowed: "unsuback");
                break;
        }
        var closed = await ClosedByModule(ctx, h, StaysWindow);
        ctx.Check($"server.{fault}.stays", "the connection stays up (3.1.1 asks nothing of a client here; the firmware does not close)", $"{Cli} luat_mqtt_msg_cb",
            !closed, measured: closed ? "closed" : "open", allowed: "open");
        await Recovers(ctx, h, closed);
    }

    private static async Task SubackFailureScenario(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        using (ctx.Harness.WithholdAck(ctx.ClientId(), "SUBACK"))
        {
            var id = await ctx.Mqtt(h).SubscribeAsync(Topic(ctx, "refused"), 1);
            await Packet(ctx, "up", "SUBSCRIBE", e => e.PacketId == id);
            await Inject(ctx, "suback-failure", new ServerFaultArgs(PacketId: (int?)id));
        }
        if (ctx.Firmware.HasSubackEvent)
        {
            var suback = await ctx.Event(h, "suback");
            ctx.Check("server.suback-failure.event", "suback(false, 128) for return code 0x80", $"{Lib} \"suback\" (ok = code <= 2); {Ref} §5",
                suback.Args is [false, 128L], measured: ScenarioContext.Describe(suback.Args), allowed: "false, 128");
        }
        var closed = await ClosedByModule(ctx, h, StaysWindow);
        ctx.Check("server.suback-failure.stays", "a refused subscription leaves the connection up", "§3.9.3", !closed, measured: closed ? "closed" : "open", allowed: "open");
        await Recovers(ctx, h, closed);
    }

    private static async Task PubrelFirst(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        var id = ServerFaultArgs.StrayPacketId;
        await Inject(ctx, "pubrel-before-pubrec", new ServerFaultArgs(PacketId: id));
        var pubcomp = await Packet(ctx, "up", "PUBCOMP", e => e.PacketId == id);
        ctx.Check("server.pubrel-before-pubrec.pubcomp", $"PUBCOMP({id}) answers the PUBREL with the same id", $"[MQTT-4.3.3-2]; {Cli} MQTT_MSG_PUBREL -> mqtt_pubcomp",
            pubcomp.PacketId == id, measured: $"PUBCOMP({pubcomp.PacketId})");
        var closed = await ClosedByModule(ctx, h, StaysWindow);
        ctx.Check("server.pubrel-before-pubrec.stays", "the connection stays up", $"{Cli} luat_mqtt_msg_cb", !closed, measured: closed ? "closed" : "open", allowed: "open");
        await Recovers(ctx, h, closed);
    }

    private static async Task Qos2Duplicate(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        const int id = 0x0102;
        await Inject(ctx, "qos2-duplicate", new ServerFaultArgs(PacketId: id, Topic: Topic(ctx, "dup")));
        await ctx.Event(h, "recv");
        bool IsPubrec(TimelineEntry e) => e is { Kind: "packet", Dir: "up", Type: "PUBREC" } && e.PacketId == id;
        try
        {
            await Entry(ctx, "a PUBREC for each copy", e => IsPubrec(e) && ctx.Timeline().Count(IsPubrec) >= 2, TimeSpan.FromSeconds(5));
        }
        catch (ScenarioFailedException)
        {
            // Judged below with the count seen.
        }
        var pubrecs = ctx.Timeline().Count(IsPubrec);
        ctx.Check("server.qos2-duplicate.pubrec", "each copy is acknowledged with PUBREC of the same id", "[MQTT-4.3.3-2]", pubrecs == 2, measured: $"{pubrecs} PUBREC", allowed: "2 PUBREC");
        var twice = await Raised(ctx, h, "recv", _ => ctx.Events(h).Count(e => e.Name == "recv") > 1);
        var count = ctx.Events(h).Count(e => e.Name == "recv");
        if (twice)
            ctx.Deviation("server.qos2-duplicate.once", "the redelivered QoS 2 message reaches the application once", "[MQTT-4.3.3-2]", $"{count} recv events",
                $"The firmware keeps no QoS 2 packet-id state ({Cli} MQTT_MSG_PUBLISH posts every PUBLISH, {Ref} §6): the DUP copy is delivered again.");
        else
            ctx.Check("server.qos2-duplicate.once", "the redelivered QoS 2 message reaches the application once", "[MQTT-4.3.3-2]", false,
                measured: $"{count} recv event", explanation: $"{ctx.Module.Profile} should deliver both copies per {Cli}; a de-duplicating module is not this firmware");
        if (ctx.Firmware.HasErrorEvent)
        {
            var dup = ctx.Events(h).Where(e => e.Name == "recv").Select(e => (e.Args.ElementAtOrDefault(2) as IReadOnlyDictionary<object, object?>)?.GetValueOrDefault("dup")).ToList();
            ctx.Check("server.qos2-duplicate.metas", "metas.dup is 0 then 1 (from the stored flags)", $"{Ref} §4 metas", dup is [0L, 1L, ..],
                measured: string.Join(", ", dup.Select(d => d?.ToString() ?? "nil")), allowed: "0, 1");
        }
        await Inject(ctx, "pubrel-before-pubrec", new ServerFaultArgs(PacketId: id));
        await Packet(ctx, "up", "PUBCOMP", e => e.PacketId == id);
        await Recovers(ctx, h, closed: false);
    }

    private static async Task Oversize(ScenarioContext ctx)
    {
        const long rxSize = 1024;
        var (host, port) = ctx.Harness.Plain;
        var h = await ctx.Create(null, host, (long)port, null, new Dictionary<string, object?> { ["rxSize"] = rxSize });
        await ctx.Mqtt(h).AuthAsync(ctx.ClientId(), "user", "pass");
        await ctx.Mqtt(h).OnAsync();
        await ctx.Mqtt(h).ConnectAsync();
        await ctx.Event(h, "conack");
        await Inject(ctx, "oversize", new ServerFaultArgs(Topic: Topic(ctx, "big"), Size: 4096));
        var closed = await ClosedByModule(ctx, h, TimeSpan.FromSeconds(10));
        ctx.Check("server.oversize.close", "a packet that cannot fit the receive buffer closes the connection", "[MQTT-4.8.0-2]; " + Cli + " luat_mqtt_read_packet",
            closed, measured: closed ? "closed" : "open", allowed: "closed");
        var names = ctx.Events(h).Select(e => e.Name).ToList();
        ctx.Check("server.oversize.events", "disconnect(0) and no recv or error event (\"too many data\" / \"buff is FULL\" post none)", $"{Cli} luat_mqtt_read_packet; {Ref} §6",
            closed && ctx.Events(h).First(e => e.Name == "disconnect").Code == 0 && !names.Contains("recv") && !names.Contains("error"),
            measured: string.Join(", ", names));
        await Recovers(ctx, h, closed);
    }

    private static async Task Split(ScenarioContext ctx)
    {
        var h = await ServerClient(ctx);
        const int id = 0x0203;
        var topic = Topic(ctx, "split");
        await Inject(ctx, "split", new ServerFaultArgs(PacketId: id, Topic: topic, Segment: 1));
        var recv = await ctx.Event(h, "recv");
        ctx.Check("server.split.recv", "the PUBLISH sent one byte per TCP segment arrives whole", $"{Cli} mqtt_parse waits for the whole packet",
            recv.Args is [byte[] t, byte[] p, ..] && Encoding.UTF8.GetString(t) == topic && Encoding.ASCII.GetString(p) == "split into tiny segments",
            measured: ScenarioContext.Describe(recv.Args));
        await Packet(ctx, "up", "PUBACK", e => e.PacketId == id);
        await Recovers(ctx, h, closed: false);
    }

    private static async Task LateConnack(ScenarioContext ctx)
    {
        var (host, port) = ctx.Harness.Plain;
        var h = await ctx.Create(null, host, (long)port, null, new Dictionary<string, object?> { ["conn_timeout"] = (long)ConnTimeout.TotalSeconds });
        await ctx.Mqtt(h).AuthAsync(ctx.ClientId(), "user", "pass");
        await ctx.Mqtt(h).OnAsync();
        using (ctx.Harness.LateConnack(ctx.ClientId(), LateConnackDelay))
        {
            await ctx.Mqtt(h).ConnectAsync();
            if (ctx.Firmware.HasConnTimeout)
            {
                var error = await ctx.Event(h, "error", TimeSpan.FromSeconds(15));
                ctx.Check("server.late-connack.timeout", "error(\"timeout\") at conn_timeout, before the CONNACK comes", $"{Cli} conn_timer; {Ref} §8",
                    error.Args is [byte[] kind, ..] && Encoding.ASCII.GetString(kind) == "timeout", measured: ScenarioContext.Describe(error.Args));
                await Entry(ctx, "the late CONNACK (or its refusal because the module had closed)", e => e is { Kind: "fault", Type: "late-connack", Conn: not null }, TimeSpan.FromSeconds(10));
                ctx.Check("server.late-connack.ignored", "the late CONNACK brings no conack: the attempt is over", $"{Cli} luat_mqtt_close_socket",
                    !ctx.Events(h).Any(e => e.Name == "conack"), measured: string.Join(", ", ctx.Events(h).Select(e => e.Name)));
            }
            else
            {
                // Before V1118/V2016 nothing times the CONNECT out: the module waits and takes the CONNACK whenever it comes.
                await ctx.Event(h, "conack", TimeSpan.FromSeconds(15));
                ctx.Deviation("server.late-connack.timeout", "the module gives up on a server that does not answer", "§3.2 (no statement id)", "conack 8 s later",
                    $"{ctx.Module.Profile} has no connect timeout ({Cli} conn_timer came with 2025-09-10): it waits for the CONNACK indefinitely.");
                await ctx.Mqtt(h).DisconnectAsync();
                await ctx.Event(h, "disconnect");
            }
        }
        await Recovers(ctx, h, closed: true);
    }
}
