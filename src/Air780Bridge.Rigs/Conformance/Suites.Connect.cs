using Air780Bridge.Client;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Conformance;

public static partial class ConformanceSuite
{
    private const string Ref = "luatos-mqtt-behaviour.md";
    /// <summary>The conn_timeout the timeout scenarios set: the least the firmware accepts (it clamps to [5, 120] s).</summary>
    private static readonly TimeSpan ConnTimeout = TimeSpan.FromSeconds(5);

    private static IEnumerable<Scenario> ConnectScenarios() =>
    [
        new("connect.basic", "connect", "create, auth, on, connect: state machine and CONNECT fields",
            "mqtt.create (plain), auth(id,user,pass), on, connect, ready, state, STATE_*, conack", ConnectBasic)
        {
            Judges = Checks(CheckIds.ConnectFields, CheckIds.ConnectPasswordWithoutUsername),
        },
        new("connect.auth-forms", "connect", "auth() in its four forms reaches CONNECT as configured",
            "auth(id), auth(id,user,pass,false), auth()", AuthForms),
        new("connect.refused", "connect", "CONNACK refusal: disconnect(rc), close, error(conack)",
            $"{Ref} §8 CONNACK rc != 0, §4 event order", Refused),
        new("connect.timeout", "connect", "conn_timeout: no CONNACK ends the attempt",
            $"mqtt.create opts conn_timeout; {Ref} §1, §8", ConnectTimeout)
        {
            FixedWait = f => f.HasConnTimeout ? ConnTimeout : TimeSpan.Zero,
        },
    ];

    private static async Task ConnectBasic(ScenarioContext ctx)
    {
        var (host, port) = ctx.Harness.Plain;
        var h = await ctx.Create(null, host, (long)port);
        var constants = ctx.Firmware.States;
        var initial = await ctx.Lua("mqtt.state", h);
        ctx.Check("api.state.initial", "state() is STATE_DISCONNECT before connect", "seed: mqttc:state()",
            initial is [long s0] && s0 == constants["STATE_DISCONNECT"], measured: ScenarioContext.Describe(initial), allowed: "0");
        ctx.Check("api.ready.initial", "ready() is false before connect", "seed: mqttc:ready()",
            await ctx.Lua("mqtt.ready", h) is [false]);
        var auth = await ctx.Lua("mqtt.auth", h, ctx.ClientId(), "user", "pass");
        ctx.Check("api.auth.return", "auth() return value", $"{Ref} §2 auth",
            ctx.Firmware.AuthReturnsTrue ? auth is [true] : auth.Length == 0,
            measured: ScenarioContext.Describe(auth), allowed: ctx.Firmware.AuthReturnsTrue ? "true" : "nothing");
        await ctx.Mqtt(h).OnAsync();
        ctx.Check("api.connect.return", "connect() returns true when the attempt starts", "seed: mqttc:connect()",
            await ctx.Lua("mqtt.connect", h) is [true]);
        await ctx.Event(h, "conack");
        ctx.Check("api.state.ready", "state() is STATE_READY (3) after conack; the doc's 4=ERROR does not exist", $"{Ref} §3",
            await ctx.Lua("mqtt.state", h) is [long s3] && s3 == constants["STATE_READY"], allowed: "3");
        ctx.Check("api.ready.after-conack", "ready() is true after conack", "seed: mqttc:ready()", await ctx.Lua("mqtt.ready", h) is [true]);

        await ctx.Judge(new CheckExpectation { Username = "user", PasswordSet = true, CleanSession = true, KeepAliveSeconds = 240 });
        await ctx.Close(h);
    }

    private static async Task AuthForms(ScenarioContext ctx)
    {
        var (host, port) = ctx.Harness.Plain;
        foreach (var (suffix, args, user, clean) in new (string, object?[], string?, bool)[]
                 {
                     ("id-only", [], null, true),
                     ("persistent", ["user", "pass", false], "user", false),
                 })
        {
            var h = await ctx.Create(null, host, (long)port);
            await ctx.Lua("mqtt.auth", [h, ctx.ClientId(suffix), .. args]);
            await ctx.Mqtt(h).OnAsync();
            await ctx.Mqtt(h).ConnectAsync();
            await ctx.Event(h, "conack");
            var connect = await Connect(ctx, ctx.ClientId(suffix));
            ctx.Check($"connect.auth-{suffix}", $"auth({ScenarioContext.Describe(args.Prepend(ctx.ClientId(suffix)))}) gives the CONNECT flags asked for",
                "[MQTT-3.1.2-4], [MQTT-3.1.2-19], [MQTT-3.1.2-21]",
                connect.Username == user && connect.PasswordFlag == (user is not null) && connect.CleanSession == clean,
                measured: $"user={connect.Username ?? "(none)"} pass={connect.PasswordFlag} clean={connect.CleanSession}",
                allowed: $"user={user ?? "(none)"} pass={user is not null} clean={clean}");
            await ctx.Close(h);
        }

        // auth() with no arguments: an empty client id with clean session, no credentials (the library does not invent an id).
        var anonymous = await ctx.Create(null, host, (long)port);
        var result = await ctx.Lua("mqtt.auth", anonymous);
        ctx.Check("api.auth.no-args", "auth() with no arguments is accepted", "seed: mqttc:auth()",
            ctx.Firmware.AuthReturnsTrue ? result is [true] : result.Length == 0, measured: ScenarioContext.Describe(result));
        await ctx.Close(anonymous);
    }

    private static async Task Refused(ScenarioContext ctx)
    {
        var (host, port) = ctx.Harness.Plain;
        using var refusal = ctx.Harness.Refuse(ctx.ClientId(), 5);
        var h = await ctx.Create(null, host, (long)port);
        await ctx.Mqtt(h).AuthAsync(ctx.ClientId(), "user", "wrong");
        await ctx.Mqtt(h).OnAsync();
        await ctx.Mqtt(h).ConnectAsync();
        var disconnect = await ctx.Event(h, "disconnect");
        await ctx.Event(h, "close");
        ctx.Check("connect.refused.code", "disconnect carries the CONNACK return code", $"{Ref} §4 disconnect code",
            disconnect.Code == 5, measured: $"code={disconnect.Code}", allowed: "5");
        var names = ctx.Events(h).Select(e => e.Name).ToList();
        if (ctx.Firmware.HasErrorEvent)
        {
            var error = await ctx.Event(h, "error");
            ctx.Check("connect.refused.error", "error event (\"conack\", rc) after close", $"{Ref} §4 event order",
                error.Args is [byte[] kind, long rc] && System.Text.Encoding.ASCII.GetString(kind) == "conack" && rc == 5,
                measured: ScenarioContext.Describe(error.Args), allowed: "\"conack\", 5");
            names = ctx.Events(h).Select(e => e.Name).ToList();
            ctx.Check("connect.refused.order", "events in firmware order: disconnect -> close -> error", $"{Ref} §4",
                names.IndexOf("disconnect") < names.IndexOf("close") && names.IndexOf("close") < names.IndexOf("error"),
                measured: string.Join(" -> ", names), allowed: "disconnect -> close -> error");
        }
        else
        {
            ctx.Check("connect.refused.order", "events in firmware order: disconnect -> close (no error event on this firmware)", $"{Ref} §0, §4",
                names.IndexOf("disconnect") < names.IndexOf("close") && !names.Contains("error"), measured: string.Join(" -> ", names));
        }
        ctx.Check("api.state.after-refusal", "state() is 0 after the refusal", $"{Ref} §3", await ctx.Lua("mqtt.state", h) is [0L]);
        await ctx.Close(h);
    }

    private static async Task ConnectTimeout(ScenarioContext ctx)
    {
        if (!ctx.Firmware.HasConnTimeout)
            throw new ScenarioSkippedException($"{ctx.Module.Profile} has no connect timeout (V1118+/V2016+)");
        // The harness accepts TCP and never answers: the module waits for a CONNACK that cannot come.
        using var mute = ctx.Harness.Mute(ctx.ClientId());
        var (host, port) = ctx.Harness.Plain;
        var h = await ctx.Create(null, host, (long)port, null, new Dictionary<string, object?> { ["conn_timeout"] = (long)ConnTimeout.TotalSeconds });
        await ctx.Mqtt(h).AuthAsync(ctx.ClientId());
        await ctx.Mqtt(h).OnAsync();
        var started = TimelineClock.NowUs;
        await ctx.Mqtt(h).ConnectAsync();
        var error = await ctx.Event(h, "error", TimeSpan.FromSeconds(15));
        var elapsedMs = (error.T - started) / 1000.0;
        ctx.Check("connect.timeout.event", "error(\"timeout\") when no CONNACK arrives", $"{Ref} §8",
            error.Args is [byte[] kind, ..] && System.Text.Encoding.ASCII.GetString(kind) == "timeout", measured: ScenarioContext.Describe(error.Args));
        // Measured on this machine from the connect() call to the error event, so the link's latency adds to the
        // firmware's 5 s timer: the range is wider above than below.
        ctx.CheckTiming("connect.timeout.period", "the attempt ends after conn_timeout (5 s)", $"{Ref} §1 conn_timeout",
            "connect() -> timeout", [elapsedMs], AllowedRange.Between(4500, 7000));
        await ctx.Event(h, "disconnect");
        await ctx.Close(h);
    }

    /// <summary>The latest CONNECT the tap saw for a client id, waiting for it: a remote harness's timeline can
    /// arrive after the module's conack event.</summary>
    internal static async Task<TimelineEntry> Connect(ScenarioContext ctx, string clientId)
    {
        bool Match(TimelineEntry e) => e is { Kind: "packet", Type: "CONNECT" } && e.ClientId == clientId;
        await Entry(ctx, $"CONNECT from client id {clientId}", Match);
        return ctx.Timeline().Last(Match);
    }
}
