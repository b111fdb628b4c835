using Air780Bridge.Client;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Conformance;

public static partial class ConformanceSuite
{
    private static IEnumerable<Scenario> SessionScenarios() =>
    [
        new("keepalive.ping-period", "keepalive", "keepalive(5) is clamped to 15 s; PINGREQ every 75 % of it", "keepalive(time), pong event, §2, §7, [MQTT-3.1.2-23]", KeepalivePing)
        {
            Judges = Checks(CheckIds.KeepalivePingPeriod, CheckIds.KeepaliveLimit),
            FixedWait = _ => TimeSpan.FromMilliseconds(2 * FirmwareExpectations.PingPeriodMs(ClampedKeepaliveSeconds)),
        },
        new("will.abrupt-loss", "will", "will published after an abrupt loss", "will(topic, payload, qos, retain), [MQTT-3.1.2-8] (broker)", WillOnLoss),
        new("will.clean-disconnect", "will", "no will after disconnect()", "disconnect(), [MQTT-3.1.2-10] (broker)", WillNotOnDisconnect)
        {
            FixedWait = _ => NoEventWindow,
        },
        new("reconnect.period", "reconnect", "autoreconn(true, 1000): every drop is followed by a reconnect after the period, no backoff", "autoreconn(enable, period), §2, §8", ReconnectPeriod)
        {
            Judges = Checks(CheckIds.ReconnectPeriod), FixedWait = _ => ReconnectDrops * ReconnectPeriodTime,
        },
        new("reconnect.disconnect-keeps-autoreconn", "reconnect", "disconnect() does not stop autoreconnect", "disconnect() vs autoreconn, §9, §16.6", DisconnectKeepsAutoreconn)
        {
            FixedWait = _ => ReconnectPeriodTime,
        },
        new("reconnect.close-silences", "reconnect", "close() releases the client and silences every later event", "close(), §9", CloseSilences)
        {
            FixedWait = _ => NoEventWindow,
        },
        new("reconnect.no-retransmission", "reconnect", "nothing unacknowledged is re-sent after a reconnect (documented deviation)", "seed: no retransmission; [MQTT-4.4.0-1]", NoRetransmission)
        {
            Judges = Checks(CheckIds.ReconnectNoResend), FixedWait = _ => ReconnectPeriodTime + NoEventWindow,
        },
        new("robust.duplicate-client-id", "robustness", "a second session with the same client id ends the module's with a disconnect event", "auth() client id uniqueness, §4 disconnect", DuplicateClientId),
        new("robust.rx-overflow", "robustness", "a publish larger than rxSize closes the connection: disconnect(0), no error event", "create opts rxSize, §6", RxOverflow),
        new("api.debug", "robustness", "debug(true/false) returns nothing and the client keeps working", "debug(onoff)", Debug),
    ];

    /// <summary>The keepalive the firmware clamps keepalive(5) to (§2), so the ping-period scenario waits for two of its pings.</summary>
    private const int ClampedKeepaliveSeconds = 15;
    /// <summary>The reconnect scenarios' autoreconn period, and how many drops reconnect.period follows.</summary>
    private static readonly TimeSpan ReconnectPeriodTime = TimeSpan.FromMilliseconds(1000);
    private const int ReconnectDrops = 3;

    private static async Task KeepalivePing(ScenarioContext ctx)
    {
        var h = await ctx.Connected(configure: c => ctx.Mqtt(c).KeepaliveAsync(5));
        var connect = await Connect(ctx, ctx.ClientId());
        ctx.Check("keepalive.clamp", $"keepalive(5) is clamped to {ClampedKeepaliveSeconds} in CONNECT", $"{Ref} §2 keepalive", connect.KeepAlive == ClampedKeepaliveSeconds,
            measured: $"{connect.KeepAlive} s", allowed: $"{ClampedKeepaliveSeconds} s");
        // Two pings give the ping-period check an interval; the check measures and charts it against its own range.
        var first = await Packet(ctx, "up", "PINGREQ", _ => true, TimeSpan.FromSeconds(20));
        await Packet(ctx, "up", "PINGREQ", e => e.T > first.T, TimeSpan.FromSeconds(20));
        if (ctx.Firmware.HasPongEvent)
            await ctx.Event(h, "pong");
        await ctx.Judge(new CheckExpectation { KeepAliveSeconds = ClampedKeepaliveSeconds });
        await ctx.Close(h);
    }

    private static async Task<(long Handle, IHarnessPeer Peer, string WillTopic)> WithWill(ScenarioContext ctx)
    {
        var willTopic = Topic(ctx, "will");
        var peer = await ctx.Harness.ConnectPeerAsync(ctx.ClientId("peer"), ctx.Token);
        await peer.SubscribeAsync(willTopic, ctx.Token);
        var h = await ctx.Connected(configure: c => ctx.Mqtt(c).WillAsync(willTopic, "gone"u8.ToArray(), 1, 0));
        var connect = await Connect(ctx, ctx.ClientId());
        ctx.Check("will.connect-fields", "CONNECT carries the will topic, QoS and retain", "[MQTT-3.1.2-9], [MQTT-3.1.2-14]",
            connect is { WillTopic: not null, WillQos: 1, WillRetain: false, WillPayloadSize: 4 } && connect.WillTopic == willTopic,
            measured: $"{connect.WillTopic} q{connect.WillQos} retain={connect.WillRetain} {connect.WillPayloadSize} B");
        return (h, peer, willTopic);
    }

    private static async Task WillOnLoss(ScenarioContext ctx)
    {
        var (h, peer, willTopic) = await WithWill(ctx);
        await using (peer)
        {
            await ctx.Harness.DropAsync(ctx.ClientId(), ctx.Token);
            await ctx.Event(h, "disconnect");
            ctx.Check("will.published-on-loss", "the broker publishes the will after an abrupt loss", "[MQTT-3.1.2-8] (broker)",
                await peer.WaitForMessageAsync(willTopic, TimeSpan.FromSeconds(10), ctx.Token));
        }
        await ctx.Close(h);
    }

    private static async Task WillNotOnDisconnect(ScenarioContext ctx)
    {
        var (h, peer, willTopic) = await WithWill(ctx);
        await using (peer)
        {
            ctx.Check("api.disconnect.return", "disconnect() returns true", $"{Ref} §9", await ctx.Lua("mqtt.disconnect", h) is [true]);
            await Packet(ctx, "up", "DISCONNECT", _ => true);
            await ctx.Event(h, "disconnect");
            ctx.Check("will.not-on-disconnect", "the broker publishes no will after DISCONNECT", "[MQTT-3.1.2-10] (broker)",
                !await peer.WaitForMessageAsync(willTopic, NoEventWindow, ctx.Token));
        }
        await ctx.Close(h);
    }

    private static async Task ReconnectPeriod(ScenarioContext ctx)
    {
        var period = (long)ReconnectPeriodTime.TotalMilliseconds;
        var h = await ctx.Connected(configure: c => ctx.Mqtt(c).AutoreconnAsync(true, (int)period));
        for (var i = 0; i < ReconnectDrops; i++)
        {
            var dropped = TimelineClock.NowUs;
            await ctx.Harness.DropAsync(ctx.ClientId(), ctx.Token);
            var closed = await Entry(ctx, $"TCP close #{i + 1}", e => e is { Kind: "connection", Type: "close" } && e.T >= dropped - ctx.Harness.ClockUncertaintyUs);
            await ctx.Event(h, "conack", TimeSpan.FromSeconds(15), o => o.T > dropped);
            await Packet(ctx, "up", "CONNECT", e => e.T > closed.T);
        }
        await ctx.Judge(new CheckExpectation { AutoReconnectMs = (int)period });
        await ctx.Close(h);
    }

    private static async Task DisconnectKeepsAutoreconn(ScenarioContext ctx)
    {
        var h = await ctx.Connected(configure: c => ctx.Mqtt(c).AutoreconnAsync(true, (int)ReconnectPeriodTime.TotalMilliseconds));
        await ctx.Mqtt(h).DisconnectAsync();
        var disconnect = await ctx.Event(h, "disconnect");
        var reconnected = await Raised(ctx, h, "conack", o => o.T > disconnect.T);
        ctx.Check("reconnect.after-disconnect", "disconnect() keeps autoreconnect on: the client connects again (the doc page implies it stays down)",
            $"{Ref} §9, §16.6", reconnected, measured: reconnected ? "conack again" : "stayed disconnected", allowed: "conack again");
        await ctx.Mqtt(h).AutoreconnAsync(false);
        await ctx.Close(h);
    }

    private static async Task CloseSilences(ScenarioContext ctx)
    {
        var h = await ctx.Connected(configure: c => ctx.Mqtt(c).AutoreconnAsync(true, 1000));
        var before = ctx.Events(h).Count;
        await ctx.Close(h);
        await Packet(ctx, "up", "DISCONNECT", _ => true);
        var late = await Raised(ctx, h, "disconnect") || ctx.Events(h).Count > before;
        ctx.Check("close.silent", "no event reaches Lua after close(), not even disconnect", $"{Ref} §9", !late,
            measured: late ? string.Join(", ", ctx.Events(h).Skip(before).Select(e => e.Name)) : "none");
        var reconnects = ctx.Timeline().Count(e => e is { Kind: "packet", Type: "CONNECT" });
        ctx.Check("close.no-reconnect", "close() stops autoreconnect", $"{Ref} §9", reconnects == 1, measured: $"{reconnects} CONNECT");
    }

    private static async Task NoRetransmission(ScenarioContext ctx)
    {
        var h = await ctx.Connected(configure: c => ctx.Mqtt(c).AutoreconnAsync(true, (int)ReconnectPeriodTime.TotalMilliseconds));
        long? id;
        long dropped;
        using (ctx.Harness.WithholdAck(ctx.ClientId(), "PUBACK"))
        {
            id = await ctx.Mqtt(h).PublishAsync(Topic(ctx, "unacked"), "once", 1);
            await Packet(ctx, "up", "PUBLISH", e => e.PacketId == id);
            dropped = TimelineClock.NowUs;
            await ctx.Harness.DropAsync(ctx.ClientId(), ctx.Token);
        }
        await ctx.Event(h, "conack", TimeSpan.FromSeconds(15), o => o.T > dropped);
        await Task.Delay(NoEventWindow, ctx.Token); // the window in which a retransmission would have to appear
        await ctx.Judge(new CheckExpectation());
        await ctx.Mqtt(h).AutoreconnAsync(false);
        await ctx.Close(h);
    }

    private static async Task DuplicateClientId(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        var kicked = TimelineClock.NowUs;
        await ctx.Harness.KickWithDuplicateAsync(ctx.ClientId(), ctx.Token);
        var ended = await Raised(ctx, h, "disconnect", o => o.T > kicked);
        ctx.Check("dup-client-id.disconnect", "the module gets a disconnect event when a duplicate client id takes its session", "seed: auth() client id; [MQTT-3.1.4-2] (broker)",
            ended, measured: ended ? "disconnect" : "no event", allowed: "disconnect");
        await ctx.Close(h);
    }

    private static async Task RxOverflow(ScenarioContext ctx)
    {
        var (host, port) = ctx.Harness.Plain;
        var h = await ctx.Create(null, host, (long)port, null, new Dictionary<string, object?> { ["rxSize"] = 1024L });
        await ctx.Mqtt(h).AuthAsync(ctx.ClientId());
        await ctx.Mqtt(h).OnAsync();
        await ctx.Mqtt(h).ConnectAsync();
        await ctx.Event(h, "conack");
        var topic = Topic(ctx, "big");
        await ctx.Mqtt(h).SubscribeAsync(topic, 0);
        await Packet(ctx, "down", "SUBACK", _ => true);
        await using var peer = await ctx.Harness.ConnectPeerAsync(ctx.ClientId("peer"), ctx.Token);
        await peer.PublishAsync(topic, new byte[4096], 0, false, ctx.Token);
        var disconnect = await ctx.Event(h, "disconnect", TimeSpan.FromSeconds(10));
        ctx.Check("rx-overflow.disconnect", "a 4 KiB publish into a 1 KiB rx buffer closes with disconnect(0)", $"{Ref} §6",
            disconnect.Code == 0, measured: ScenarioContext.Describe(disconnect.Args), allowed: "0");
        var names = ctx.Events(h).Select(e => e.Name).ToList();
        ctx.Check("rx-overflow.no-recv", "the oversize message is not delivered and no error event is raised", $"{Ref} §6",
            !names.Contains("recv") && !names.Contains("error"), measured: string.Join(", ", names));
        await ctx.Close(h);
    }

    private static async Task Debug(ScenarioContext ctx)
    {
        var h = await ctx.Connected();
        ctx.Check("api.debug.on", "debug(true) returns nothing", "seed: mqttc:debug()", (await ctx.Lua("mqtt.debug", h, true)).All(v => v is null));
        await ctx.Mqtt(h).DebugAsync(false);
        var id = await ctx.Mqtt(h).PublishAsync(Topic(ctx, "after-debug"), "ok", 1);
        await ctx.Event(h, "sent", where: o => o.MessageId == id);
        await ctx.Close(h);
    }
}
