using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Results.Tests;

/// <summary>Runs as RigRunner produces them, small enough to read in a test.</summary>
internal static class SampleRuns
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    public static ScenarioResult Scenario(string id, Verdict verdict, string? measured = null) => new()
    {
        Id = id, Title = id, Suite = id.Split('.')[0], Verdict = verdict, Duration = TimeSpan.FromMilliseconds(1500),
        Message = verdict == Verdict.Pass ? null : $"{id}: {verdict}",
        Checks = [new JudgedCheck(id + ".check", "a check", "MQTT-3.1.2-24", verdict, measured ?? "61.2 s", "<= 90 s", verdict == Verdict.Pass ? null : "because")],
        Timings = [new TimingSeries("PINGREQ interval", [60_010, 60_020], 54_000, 66_000)],
    };

    public static ModuleResult Module(string name, string imei, string firmware, params ScenarioResult[] scenarios) => new()
    {
        Name = name, Connection = "serial:///dev/ttyACM0", Profile = "air780e-v1120",
        Hello = new ModuleHello { FirmwareVersion = firmware, Bsp = "EC618", Imei = imei, Iccid = "8986" + imei[..15], BootId = "b00" + imei[^4..], AgentVersion = "1.0" },
        Scenarios = scenarios,
    };

    public static RunResult Run(string station, DateTimeOffset started, params ModuleResult[] modules) => new()
    {
        Rig = "line", RigFile = "rigs/line.json", Started = started, Finished = started.AddSeconds(30), Station = station, Operator = "ana",
        ToolVersion = "1.2.3", Modules = modules,
    };

    /// <summary>Run A (station s1): one green module, one that failed a scenario and showed a known deviation.</summary>
    public static RunResult A => Run("s1", T0,
        Module("m1", "860000000000017", "V1120", Scenario("connect.basic", Verdict.Pass), Scenario("keepalive.ping-period", Verdict.KnownDeviation)),
        Module("m2", "860000000000025", "V2028", Scenario("connect.basic", Verdict.Pass), Scenario("publish.qos1", Verdict.Fail, "PUBACK never sent")));

    /// <summary>Run B (station s2, a day later): the first module of A again, green; a module that never answered HELLO.</summary>
    public static RunResult B => Run("s2", T0.AddDays(1),
        Module("m1", "860000000000017", "V1120", Scenario("connect.basic", Verdict.Pass), Scenario("publish.qos1", Verdict.Pass)),
        new ModuleResult { Name = "m3", Connection = "serial:///dev/ttyACM2", Error = "no HELLO within 5 s" });
}
