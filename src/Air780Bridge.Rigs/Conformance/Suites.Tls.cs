using System.Diagnostics;
using Air780Bridge.Client;
using Air780Bridge.Harness.Checks;
using System.Text;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Conformance;

public static partial class ConformanceSuite
{
    private static IEnumerable<Scenario> TlsScenarios() =>
    [
        new("tls.no-verify", "tls", "ssl=true: TLS without certificate check", "mqtt.create(.., true)", ctx => TlsConnects(ctx, _ => true, expectConnect: true)),
        new("tls.server-verify", "tls", "server certificate verified against the CA (verify defaults to 2)", "mqtt.create(.., {server_cert=..})",
            ctx => TlsConnects(ctx, m => Ssl(m.CaPem), expectConnect: true)),
        new("tls.wrong-ca", "tls", "verify=2 with the wrong CA fails the connection", "mqtt.create(.., {server_cert=other, verify=2}), §8",
            ctx => TlsConnects(ctx, m => Ssl(m.OtherCaPem, verify: 2), expectConnect: false)),
        new("tls.optional-verify", "tls", "verify=1 (optional) connects despite the wrong CA", "mqtt.create(.., {server_cert=other, verify=1})",
            ctx => TlsConnects(ctx, m => Ssl(m.OtherCaPem, verify: 1), expectConnect: true)),
        new("tls.mutual", "tls", "mutual TLS with a client certificate and key", "mqtt.create(.., {server_cert, client_cert, client_key})",
            ctx => TlsConnects(ctx, m => Ssl(m.CaPem, client: (m.ClientCertPem, m.ClientKeyPem)), expectConnect: true)),
    ];

    private static Dictionary<string, object?> Ssl(byte[] ca, long? verify = null, (byte[] Cert, byte[] Key)? client = null)
    {
        var ssl = new Dictionary<string, object?> { ["server_cert"] = ca };
        if (verify is not null) ssl["verify"] = verify;
        if (client is { } c)
        {
            ssl["client_cert"] = c.Cert;
            ssl["client_key"] = c.Key;
        }
        return ssl;
    }

    private const int TlsAttempts = 3;

    /// <summary>
    /// Waits for conack. A firmware race (luatos-mqtt-behaviour.md §8; components/network/adapter/luat_network_adapter.c
    /// network_state_connecting leaves the state at SHAKEHAND when the handshake finishes inside the connect handler, and
    /// network_tx then refuses the CONNECT) ends some attempts right after a complete handshake, in any verify mode; it
    /// is common against a fast loopback server (the PC build), rare over cellular. Such an attempt is a known
    /// deviation and is retried; one that fails otherwise, or every attempt racing, fails the scenario.
    /// </summary>
    private static async Task TlsConack(ScenarioContext ctx, long h)
    {
        var attemptStart = ctx.StartedUs;
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await ctx.EventAfter(h, "conack", "disconnect", attemptStart);
            if (outcome.Name == "conack")
                return;
            var race = await RaceEvidence(ctx, attemptStart);
            if (race is null || attempt == TlsAttempts)
                throw new ScenarioFailedException(race is null
                    ? $"disconnect({outcome.Code}) instead of conack: {string.Join(", ", ctx.Events(h).Select(e => e.Name))}"
                    : $"every one of {TlsAttempts} attempts ended after a complete TLS handshake without a CONNECT (the §8 handshake race): {race}");
            ctx.Deviation("tls.handshake-race", "the CONNECT follows a completed TLS handshake", $"{Ref} §8; components/network/adapter/luat_network_adapter.c network_state_connecting, network_tx",
                race, "The handshake finished inside the connect handler, the socket stayed in SHAKEHAND and network_tx refused the CONNECT: a firmware race, retried.");
            await ctx.EventAfter(h, "close", "close", outcome.T - ctx.Harness.ClockUncertaintyUs - 1);
            attemptStart = TimelineClock.NowUs;
            ScenarioContext.Expect(await ctx.Lua("mqtt.connect", h) is [true], "connect() returned true", "connect() after the handshake race did not return true");
        }
    }

    /// <summary>
    /// The §8 race of this attempt, described, or null. The tap logs a close when it reads the socket's end, which can
    /// come after the module's disconnect event reached the host (the two travel separately), so the evidence is
    /// awaited entry by entry for at most the response window, never assumed to be logged already.
    /// </summary>
    private static async Task<string?> RaceEvidence(ScenarioContext ctx, long fromUs)
    {
        using var logged = new SemaphoreSlim(0);
        using var watch = ctx.Harness.Watch(_ => logged.Release());
        var window = Stopwatch.StartNew();
        var limit = TimeSpan.FromMilliseconds(new CheckTolerances().ResponseWindowMs);
        while (true)
        {
            await ctx.Harness.SettleAsync(ctx.Token);
            if (HandshakeThenSilence(ctx, fromUs) is { } race)
                return race;
            var left = limit - window.Elapsed;
            if (left <= TimeSpan.Zero || !await logged.WaitAsync(left, ctx.Token))
                return null;
        }
    }

    /// <summary>A connection opened during the attempt (a race sends no CONNECT, so no client id ties it to this module:
    /// the attempt's time window does) that completed its TLS handshake and was closed by the module without sending a
    /// byte of MQTT, described; null if none. The next attempt starts only after this is decided, so every such
    /// connection in the window is this attempt's.</summary>
    private static string? HandshakeThenSilence(ScenarioContext ctx, long fromUs)
    {
        var wire = ctx.Harness.Snapshot().Where(e => e.T >= fromUs - ctx.Harness.ClockUncertaintyUs).ToList();
        var silent = wire.Where(e => e.IsConnection("tls")).Select(e => e.Conn)
            .Where(c => !wire.Any(e => e.Conn == c && e.Kind == "packet")
                        && wire.Any(e => e.Conn == c && e.IsConnection("close") && e.Detail == "module closed"))
            .ToList();
        return silent.Count == 0 ? null : $"connection {silent[^1]}: TLS handshake done, closed by the module without a CONNECT";
    }

    private static async Task TlsConnects(ScenarioContext ctx, Func<TlsMaterial, object> ssl, bool expectConnect)
    {
        if (ctx.Harness.Tls is not { } endpoint || ctx.Harness.TlsMaterial is not { } material)
            throw new ScenarioSkippedException("the rig's broker has no TLS endpoint (set \"broker.tls\": true)");
        var sslArg = ssl(material);
        var h = await ctx.Create(null, endpoint.Host, (long)endpoint.Port, sslArg);
        await ctx.Mqtt(h).AuthAsync(ctx.ClientId());
        await ctx.Mqtt(h).OnAsync();
        await ctx.Mqtt(h).ConnectAsync();
        if (expectConnect)
        {
            await TlsConack(ctx, h);
            var state = await ctx.Lua("mqtt.state", h);
            ctx.Check("tls.connected", "the TLS session reaches conack and STATE_READY", "seed: mqtt.create ssl", state is [3L], measured: ScenarioContext.Describe(state), allowed: "3");
            // The tap always requests a client certificate and records what the module presented.
            var withClient = sslArg is Dictionary<string, object?> t && t.ContainsKey("client_cert");
            var handshake = ctx.Timeline().LastOrDefault(e => e.IsConnection("tls"));
            ctx.Check("tls.client-certificate", withClient ? "the module presents its client certificate" : "no client certificate is presented",
                "seed: mqtt.create client_cert/client_key", handshake?.Detail is { } d && d.Contains("no client certificate") != withClient,
                measured: handshake?.Detail ?? "no TLS handshake on the timeline", allowed: withClient ? "client certificate CN=..." : "no client certificate");
        }
        else
        {
            var disconnect = await ctx.Event(h, "disconnect");
            var names = ctx.Events(h).Select(e => e.Name).ToList();
            ctx.Check("tls.refused", "the handshake fails: no conack, disconnect(0)", $"{Ref} §8", !names.Contains("conack") && disconnect.Code == 0,
                measured: string.Join(", ", names));
            if (ctx.Firmware.HasErrorEvent)
            {
                var error = await ctx.Event(h, "error");
                ctx.Check("tls.refused.error", "error(\"connect\", 0) before disconnect", $"{Ref} §4",
                    error.Args is [byte[] kind, ..] && Encoding.ASCII.GetString(kind) == "connect" && error.T <= disconnect.T, measured: ScenarioContext.Describe(error.Args));
            }
        }
        await ctx.Close(h);
    }
}
