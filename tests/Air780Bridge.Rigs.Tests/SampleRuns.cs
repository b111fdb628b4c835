using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Tests;

/// <summary>A realistic run: four modules, passes, failures, known deviations, a skip, an errored scenario and a module that never said HELLO.</summary>
internal static class SampleRuns
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 4, 0, 0, TimeSpan.Zero);

    public static RunResult Realistic() => new()
    {
        Rig = "lab",
        RigFile = "rigs/lab.json",
        Started = Start,
        Finished = Start.AddMinutes(14).AddSeconds(32),
        Modules =
        [
            Module("twin-1", "twin:", "air780e-v1120", "V1120", "EC618", "860000000000017", legacy: true, reconnectOutlier: true),
            Module("twin-2", "twin:", "air780e-v1120", "V1120", "EC618", "860000000000025", legacy: true, reconnectOutlier: false),
            Module("twin-3", "twin:", "air780ep-v2028", "V2028", "EC7XX", "860000000000033", legacy: false, reconnectOutlier: false),
            new ModuleResult
            {
                Name = "bench", Connection = "serial:///dev/ttyACM0?baud=115200&dtr=on", Profile = "air780e-v1120",
                Error = "no HELLO within 10 s on /dev/ttyACM0; is the agent flashed and is DTR asserted?",
            },
        ],
    };

    private static ModuleResult Module(string name, string connection, string profile, string fw, string bsp, string imei, bool legacy, bool reconnectOutlier)
    {
        var scenarios = new List<ScenarioResult>
        {
            ConnectBasic(),
            KeepaliveInterval(),
            PublishQos1Retry(failed: legacy),
            PublishLatency(),
            legacy ? MsgIdWrapDeviation() : MsgIdWrapPass(),
            ReconnectBackoff(reconnectOutlier),
            new() { Id = "tls.server-verify", Title = "TLS with server certificate verification", Suite = "tls", Verdict = Verdict.Skipped, Message = "the rig's broker has no TLS endpoint (set \"broker.tls\": true)" },
        };
        if (!legacy)
            scenarios.Add(new ScenarioResult
            {
                Id = "subscribe.many-topics", Title = "Subscribe to 64 topics in one call", Suite = "subscribe", Verdict = Verdict.Error,
                Duration = TimeSpan.FromSeconds(120), Message = "scenario timed out after 120 s (rig timeouts.scenarioSeconds)",
                Timeline = [Up(0, "SUBSCRIBE id=9", "64 topics  2113 B"), Down(38_000, "SUBACK id=9 rc=0")],
            });
        return new ModuleResult
        {
            Name = name, Connection = connection, Profile = profile,
            Hello = new ModuleHello { FirmwareVersion = fw, Bsp = bsp, Imei = imei, BootId = name == "twin-1" ? "9f3a61c2" : "04be77d1", AgentVersion = "1.0.0" },
            Scenarios = scenarios,
        };
    }

    private static long T0 => 5_000_000;
    private static TimelineStep Up(long dtUs, string label, string? detail = null, string conn = "c1") => new(T0 + dtUs, conn, StepDir.Up, label, detail);
    private static TimelineStep Down(long dtUs, string label, string? detail = null, string conn = "c1") => new(T0 + dtUs, conn, StepDir.Down, label, detail);
    private static TimelineStep Lua(long dtUs, string label, string? detail = null) => new(T0 + dtUs, "m1", StepDir.Module, label, detail);
    private static TimelineStep Tap(long dtUs, string label, string? detail = null, string conn = "c1") => new(T0 + dtUs, conn, StepDir.Tap, label, detail);

    private static JudgedCheck Ok(string id, string title, string source, string measured, string allowed) =>
        new(id, title, source, Verdict.Pass, measured, allowed, null);

    private static ScenarioResult ConnectBasic() => new()
    {
        Id = "connect.basic", Title = "CONNECT, CONNACK and the conack event", Suite = "connect", Verdict = Verdict.Pass,
        Duration = TimeSpan.FromMilliseconds(412),
        Checks =
        [
            Ok("connect.protocol", "Protocol name MQTT, level 4", "MQTT-3.1.2-1", "MQTT / 4", "MQTT / 4"),
            Ok("connect.keepalive", "Keep alive as set by keepalive()", "luatos-mqtt-behaviour.md §2", "240 s", "240 s"),
            Ok("connect.conack", "conack event after CONNACK rc=0", "luatos-mqtt-behaviour.md §4", "31 ms", "<= 1 s"),
        ],
        Timeline =
        [
            Lua(0, "mqtt.create()", "127.0.0.1:41883 ssl=false"),
            Lua(800, "connect()"),
            Tap(52_000, "TCP open", "127.0.0.1:50412"),
            Up(53_100, "CONNECT", "client=860000000000017  keepalive=240s  clean"),
            Down(54_000, "CONNACK rc=0"),
            Lua(85_000, "conack"),
        ],
    };

    private static ScenarioResult KeepaliveInterval()
    {
        var pings = new List<TimelineStep> { Up(0, "CONNECT", "keepalive=60s  clean"), Down(900, "CONNACK rc=0") };
        long t = 900;
        foreach (var gap in new[] { 60_012_000L, 60_008_000, 59_997_000, 60_021_000 })
        {
            t += gap;
            pings.Add(Up(t, "PINGREQ"));
            pings.Add(Down(t + 700, "PINGRESP"));
            pings.Add(Lua(t + 1_900, "sys MQTT_PONG"));
        }
        return new ScenarioResult
        {
            Id = "keepalive.interval", Title = "PINGREQ every keepalive period", Suite = "keepalive", Verdict = Verdict.Pass,
            Duration = TimeSpan.FromSeconds(242.1),
            Checks = [Ok("keepalive.period", "PINGREQ interval within 10 % of keepalive", "MQTT-3.1.2-23", "59.997–60.021 s", "54–66 s")],
            Timeline = pings,
            Timings = [new TimingSeries("keepalive interval", [60_012, 60_008, 59_997, 60_021], 54_000, 66_000) { CheckId = "keepalive.period" }],
        };
    }

    private static ScenarioResult PublishQos1Retry(bool failed)
    {
        var resent = Up(5_043_500, failed ? "PUBLISH id=12 q1" : "PUBLISH id=12 q1 dup", "sensors/room-1/temp  17 B", "c2");
        return new()
        {
            Id = "publish.qos1-redelivery", Title = "QoS 1 PUBLISH is re-sent with DUP after reconnect", Suite = "publish",
            Verdict = failed ? Verdict.Fail : Verdict.Pass, Duration = TimeSpan.FromSeconds(8.31),
            Message = failed ? "PUBLISH id=12 re-sent with DUP=0 on the new connection (MQTT-3.3.1-1 requires DUP=1)" : null,
            Checks =
            [
                Ok("publish.qos1.puback-dropped", "Fault injected: PUBACK id=12 dropped", "harness", "dropped", "—"),
                new("publish.qos1.dup", "Re-delivered PUBLISH has DUP=1", "MQTT-3.3.1-1", failed ? Verdict.Fail : Verdict.Pass,
                    failed ? "DUP=0" : "DUP=1", "DUP=1",
                    failed ? "The firmware re-queues the message as a fresh PUBLISH after autoreconn; the broker cannot tell it from a new message." : null)
                {
                    Evidence = failed ? [resent] : [], Statements = ["3.3.1-1"],
                },
                Ok("publish.qos1.same-id", "Re-delivered PUBLISH keeps packet id", "MQTT-4.3.2", "id=12", "id=12"),
            ],
            Timeline =
            [
                Lua(0, "publish()", "sensors/room-1/temp q1 17 B"),
                Up(1_200, "PUBLISH id=12 q1", "sensors/room-1/temp  17 B"),
                Tap(1_300, "fault: drop PUBACK id=12"),
                Tap(2_004_000, "fault: close TCP", "after 2 s without PUBACK"),
                Lua(2_030_000, "disconnect", "code=0"),
                Tap(5_040_000, "TCP open", "c2 127.0.0.1:50418", "c2"),
                Up(5_041_000, "CONNECT", "keepalive=240s  persistent", "c2"),
                Down(5_042_000, "CONNACK rc=0", null, "c2"),
                resent,
                Down(5_044_100, "PUBACK id=12", null, "c2"),
                Lua(5_061_000, "sent", "id=12"),
            ],
        };
    }

    private static ScenarioResult PublishLatency()
    {
        double[] values = [12.4, 9.8, 14.1, 11.0, 38.7, 10.2, 9.9, 13.3, 12.8, 11.6, 10.4, 15.9, 12.2, 11.1, 9.7, 10.8];
        return new ScenarioResult
        {
            Id = "publish.latency", Title = "publish() to PUBLISH on the wire", Suite = "publish", Verdict = Verdict.Pass,
            Duration = TimeSpan.FromSeconds(3.9),
            Checks = [Ok("publish.latency.max", "Every publish reaches the wire within 200 ms", "rig budget", "max 38.7 ms", "<= 200 ms")],
            Timings = [new TimingSeries("publish->sent latency", values, null, 200) { CheckId = "publish.latency.max" }],
        };
    }

    private static ScenarioResult MsgIdWrapDeviation() => new()
    {
        Id = "msgid.wrap", Title = "Packet id wraps 65535 -> 1", Suite = "msgid", Verdict = Verdict.KnownDeviation,
        Duration = TimeSpan.FromSeconds(21.4),
        Message = "packet id 0 used once after 65535 (legacy firmware, fixed in V2026)",
        Checks =
        [
            new("msgid.nonzero", "Packet ids are non-zero", "MQTT-2.3.1-1", Verdict.KnownDeviation, "id=0 once", "1..65535",
                "All EC618 releases incl. V1120 and EC7xx <= V2024 wrap to 0 (luatos-mqtt-behaviour.md §5). Brokers close the connection on id 0."),
        ],
        Timeline =
        [
            Up(0, "PUBLISH id=65534 q1", "wrap/test  4 B"), Down(600, "PUBACK id=65534"),
            Up(2_100, "PUBLISH id=65535 q1", "wrap/test  4 B"), Down(2_700, "PUBACK id=65535"),
            Up(4_200, "PUBLISH id=0 q1", "wrap/test  4 B"), Down(4_800, "PUBACK id=0"),
            Up(6_300, "PUBLISH id=1 q1", "wrap/test  4 B"), Down(6_900, "PUBACK id=1"),
        ],
    };

    private static ScenarioResult MsgIdWrapPass() => MsgIdWrapDeviation() with
    {
        Verdict = Verdict.Pass, Message = null,
        Checks = [Ok("msgid.nonzero", "Packet ids are non-zero", "MQTT-2.3.1-1", "65534, 65535, 1, 2", "1..65535")],
        Timeline =
        [
            Up(0, "PUBLISH id=65534 q1", "wrap/test  4 B"), Down(600, "PUBACK id=65534"),
            Up(2_100, "PUBLISH id=65535 q1", "wrap/test  4 B"), Down(2_700, "PUBACK id=65535"),
            Up(4_200, "PUBLISH id=1 q1", "wrap/test  4 B"), Down(4_800, "PUBACK id=1"),
        ],
    };

    private static ScenarioResult ReconnectBackoff(bool outlier)
    {
        double[] delays = outlier ? [3012, 3008, 2994, 9870, 3005] : [3012, 3008, 2994, 3001, 3005];
        var steps = new List<TimelineStep>();
        long t = 0;
        for (var i = 0; i < delays.Length; i++)
        {
            var conn = $"c{i + 1}";
            steps.Add(Tap(t, "fault: refuse CONNECT", "CONNACK rc=3", conn));
            steps.Add(Down(t + 400, "CONNACK rc=3", "server unavailable", conn));
            steps.Add(Lua(t + 1_100, "disconnect", "code=3"));
            t += (long)(delays[i] * 1000);
            steps.Add(Up(t, "CONNECT", "keepalive=240s", $"c{i + 2}"));
        }
        steps.Add(Down(t + 500, "CONNACK rc=0", null, $"c{delays.Length + 1}"));
        steps.Add(Lua(t + 1_200, "conack"));
        return new ScenarioResult
        {
            Id = "reconnect.autoreconn-period", Title = "autoreconn(true, 3000) retries every 3 s", Suite = "reconnect",
            Verdict = outlier ? Verdict.Fail : Verdict.Pass, Duration = TimeSpan.FromSeconds(24.2),
            Message = outlier ? "reconnect delay #4 was 9.87 s; allowed 2.7–3.3 s" : null,
            Checks =
            [
                new("reconnect.period", "Reconnect delay equals the autoreconn period", "luatos-mqtt-behaviour.md §2", outlier ? Verdict.Fail : Verdict.Pass,
                    outlier ? "9.87 s (#4)" : "2.994–3.012 s", "2.7–3.3 s", outlier ? "One retry waited three periods: the reconnect timer fired while the Lua thread was busy." : null),
                Ok("reconnect.events", "One disconnect event per failed attempt", "luatos-mqtt-behaviour.md §4", "5", "5"),
            ],
            Timeline = steps,
            Timings = [new TimingSeries("reconnect delay", delays, 2700, 3300) { CheckId = "reconnect.period" }],
        };
    }
}
