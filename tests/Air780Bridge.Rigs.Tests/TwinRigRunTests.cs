using Air780Bridge.Tests;
using System.Xml.Linq;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Serilog;

namespace Air780Bridge.Rigs.Tests;

/// <summary>The README's first command, `air780 run rigs/twin.json`, run once for the whole class: every suite on four twins.</summary>
public sealed class TwinRigRun : IAsyncLifetime
{
    public RunResult Result { get; private set; } = null!;
    public ReportPaths Reports { get; private set; } = null!;
    public string Output { get; } = Directory.CreateTempSubdirectory("rigs-twin-run-").FullName;

    public async Task InitializeAsync()
    {
        var rig = RigFile.Load(Path.Combine(Repository.Root, "rigs", "twin.json"), new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        (Result, Reports) = await RigRuns.RunAsync(rig, Output);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Output, recursive: true);
        return Task.CompletedTask;
    }
}

[Collection(RigRuns.Collection)]
public sealed class TwinRigRunTests(TwinRigRun run) : IClassFixture<TwinRigRun>
{
    [Fact]
    public void Every_scenario_passes_on_every_twin_or_is_a_documented_deviation()
    {
        var bad = run.Result.Modules.SelectMany(m => m.Scenarios.Where(s => s.Verdict is Verdict.Fail or Verdict.Error).Select(s => $"{m.Name} {s.Id}: {s.Message}")).ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
        Assert.Equal(4, run.Result.Modules.Count);
        Assert.All(run.Result.Modules, m => Assert.Equal(ConformanceSuite.All.Count, m.Scenarios.Count));
        // A deviation or skip always says why.
        Assert.All(run.Result.Modules.SelectMany(m => m.Scenarios).Where(s => s.Verdict is Verdict.KnownDeviation or Verdict.Skipped),
            s => Assert.False(string.IsNullOrWhiteSpace(s.Message), s.Id));
    }

    /// <summary>
    /// Every client check of the catalogue, not only those the scenarios pick, on each twin's whole share of the run
    /// (its connections and the harness peers' of its scenarios): a twin that follows the firmware fails none, and with
    /// its profile the firmware's documented deviations are known deviations.
    /// </summary>
    [Fact]
    public async Task No_client_check_fails_a_twin_that_follows_its_firmware()
    {
        var all = (await Harness.Timeline.Timeline.LoadAsync(Path.Combine(Path.GetDirectoryName(run.Reports.Json)!, "timeline.jsonl"))).Snapshot();
        var bad = new List<string>();
        var passed = new HashSet<string>();
        foreach (var m in run.Result.Modules)
        {
            var conns = all.Where(e => e is { Kind: "packet", Type: "CONNECT" } && e.ClientId?.StartsWith(m.Name + "-", StringComparison.Ordinal) == true).Select(e => e.Conn).ToHashSet();
            // With the host's stalls, as a scenario judges: on a loaded machine they excuse lateness that is not the twin's.
            var mine = all.Where(e => e.Kind switch { "module" => e.Conn == m.Name, "host" => Harness.Checks.Wire.IsHostStall(e, m.Name), _ => e.Conn is not null && conns.Contains(e.Conn) }).ToList();
            var ctx = new Harness.Checks.CheckContext(mine, new Harness.Checks.CheckExpectation { Profile = m.Profile });
            var results = Harness.Checks.CheckCatalogue.All.Where(c => c.Subject == Harness.Checks.CheckSubject.Client).Select(c => c.Evaluate(ctx)).ToList();
            bad.AddRange(results.Where(r => r.Verdict == Harness.Checks.CheckVerdict.Fail).Select(r => $"{m.Name} ({m.Profile}) {r.Id}: {r.Explanation}"));
            passed.UnionWith(results.Where(r => r.Verdict == Harness.Checks.CheckVerdict.Pass).Select(r => r.Id));
        }
        Assert.True(bad.Count == 0, string.Join("\n", bad));
        // Not vacuous: the run exercises most client rules.
        Assert.True(passed.Count >= 20, $"only {passed.Count} client checks passed: {string.Join(", ", passed.Order())}");
    }

    [Fact]
    public void The_server_suite_gives_the_firmware_verdicts_per_profile()
    {
        // The same table as docs/twin.md's real-runtime comparison: spec violations the firmware's C code lets
        // through are known deviations; the defensive parsing of V1118/V2020 closes on QoS 3 and a second CONNACK.
        string[] everywhere = ["server.bad-remaining-length", "server.reserved-flags", "server.unknown-type", "server.wildcard-topic",
            "server.invalid-utf8-topic", "server.qos2-duplicate"];
        string[] legacyOnly = ["server.publish-qos3", "server.second-connack", "server.late-connack"];
        foreach (var module in run.Result.Modules)
        {
            Assert.NotNull(module.Profile);
            var legacy = !FirmwareProfile.Get(module.Profile).DefensiveParsing;
            var server = module.Scenarios.Where(s => s.Id.StartsWith("server.", StringComparison.Ordinal)).ToList();
            Assert.Equal(17, server.Count);
            foreach (var scenario in server)
            {
                var deviation = everywhere.Contains(scenario.Id) || legacy && legacyOnly.Contains(scenario.Id);
                Assert.True((deviation ? Verdict.KnownDeviation : Verdict.Pass) == scenario.Verdict, $"{module.Name} ({module.Profile}) {scenario.Id}: {scenario.Verdict} {scenario.Message}");
            }
            // Every server scenario ends with the module answering and working again after a reconnect.
            Assert.All(server, s => Assert.Contains(s.Checks, c => c.Id == "server.recovers" && c.Verdict == Verdict.Pass));
        }
    }

    [Fact]
    public void Junit_and_json_agree_with_the_run()
    {
        Assert.Empty(JUnitSchema.Errors(XDocument.Load(run.Reports.JUnit)));
        var junit = XDocument.Load(run.Reports.JUnit).Root!;
        Assert.Equal(run.Result.Modules.Sum(m => m.Scenarios.Count), junit.Descendants("testcase").Count());
        Assert.Empty(junit.Descendants("failure"));
        Assert.Contains("\"verdict\"", File.ReadAllText(run.Reports.Json));
    }

    [Fact]
    public void The_html_report_has_a_sequence_diagram_per_scenario_and_timing_charts()
    {
        var html = File.ReadAllText(run.Reports.Html);
        var scenarios = run.Result.Modules.Sum(m => m.Scenarios.Count(s => s.Timeline.Count > 0));
        Assert.True(scenarios > 90, $"only {scenarios} scenarios recorded a timeline");
        Assert.Equal(scenarios, CountOf(html, "<svg class=\"seq\""));
        foreach (var chart in new[] { "PINGREQ interval", "next reconnect attempt", "sent (QoS 1)" })
            Assert.Contains(chart, html, StringComparison.OrdinalIgnoreCase);
        Assert.True(CountOf(html, "<svg class=\"chart\"") >= 12, "fewer than three timing charts per module");
    }

    [Fact]
    public void Every_chart_band_is_a_checks_range_and_agrees_with_its_verdict()
    {
        var timed = run.Result.Modules.SelectMany(m => m.Scenarios.Select(s => (Module: m.Name, Scenario: s))).Where(x => x.Scenario.Timings.Count > 0).ToList();
        Assert.Contains(timed, x => x.Scenario.Id == "reconnect.period");
        Assert.Contains(timed, x => x.Scenario.Id == "keepalive.ping-period");
        foreach (var (module, s) in timed)
            foreach (var series in s.Timings.Where(t => t.AllowedMinMs is not null || t.AllowedMaxMs is not null))
            {
                var check = s.Checks.SingleOrDefault(c => c.Id == series.CheckId);
                Assert.True(check is not null, $"{module} {s.Id}: chart \"{series.Name}\" draws a band no check judged");
                var outside = series.ValuesMs.Count(v => !series.IsAllowed(v));
                Assert.True(check.Verdict == (outside > 0 ? Verdict.Fail : Verdict.Pass) || check.Verdict == Verdict.Inconclusive && series.ValuesMs.Count == 0,
                    $"{module} {s.Id}: {check.Id} is {check.Verdict} while its chart has {outside} of {series.ValuesMs.Count} outside");
            }
    }

    [ChromiumRequiredFact]
    public void The_html_report_of_a_real_run_renders_in_headless_chromium() =>
        HeadlessChromium.Screenshot(run.Reports.Html, Path.Combine(run.Output, "twin-run.png"), height: 4000);

    private static int CountOf(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}

[Collection(RigRuns.Collection)]
public sealed class PlantedDefectTests
{
    [Fact]
    public async Task A_twin_with_a_planted_defect_fails_the_scenario_that_judges_it_with_evidence()
    {
        var rig = RigFile.Parse("""
            {
              "name": "defects",
              "modules": [
                { "name": "healthy", "connection": "twin:" },
                { "name": "early-sent", "connection": "twin:", "defects": ["sent-before-puback"] },
                { "name": "slow-ping", "connection": "twin:", "defects": ["slow-ping"] }
              ],
              "broker": { "listen": "127.0.0.1:0", "tls": false },
              "suites": [ { "name": "publish", "include": ["publish.qos1"] }, { "name": "keepalive" } ],
              "parallelism": 3
            }
            """, "defects.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        using var temp = new TempDirectory("rigs-defects-");
        var output = temp.Path;
        var (result, _) = await RigRuns.RunAsync(rig, output);
        ScenarioResult Scenario(string module, string id) => result.Modules.Single(m => m.Name == module).Scenarios.Single(s => s.Id == id);

        Assert.All(result.Modules.Single(m => m.Name == "healthy").Scenarios, s => Assert.Equal(Verdict.Pass, s.Verdict));

        var early = Scenario("early-sent", "publish.qos1");
        Assert.Equal(Verdict.Fail, early.Verdict);
        var sentCheck = Assert.Single(early.Checks, c => c.Id == "publish.qos1-sent-after-puback");
        Assert.Equal(Verdict.Fail, sentCheck.Verdict);
        Assert.Contains("before", sentCheck.Explanation);
        Assert.Contains(early.Timeline, step => step.Label.StartsWith("PUBACK", StringComparison.Ordinal));
        Assert.Equal(Verdict.Pass, Scenario("early-sent", "keepalive.ping-period").Verdict);

        var slow = Scenario("slow-ping", "keepalive.ping-period");
        Assert.Equal(Verdict.Fail, slow.Verdict);
        var series = Assert.Single(slow.Timings, t => t.Name == "PINGREQ interval");
        Assert.Contains(series.ValuesMs, v => !series.IsAllowed(v));
        Assert.Equal(Verdict.Pass, Scenario("slow-ping", "publish.qos1").Verdict);
    }

    [Fact]
    public async Task The_firmware_tls_handshake_race_is_a_known_deviation_and_the_retry_is_judged()
    {
        var rig = RigFile.Parse("""
            {
              "name": "tls-race",
              "modules": [ { "name": "racy", "connection": "twin:", "profile": "air780ep-v2028", "defects": ["tls-handshake-race"] } ],
              "broker": { "listen": "127.0.0.1:0", "tls": true },
              "suites": [ { "name": "tls", "include": ["tls.optional-verify", "tls.wrong-ca"] } ],
              "parallelism": 1
            }
            """, "tls-race.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        using var temp = new TempDirectory("rigs-tls-race-");
        var (result, _) = await RigRuns.RunAsync(rig, temp.Path);
        var scenarios = result.Modules.Single().Scenarios;
        var optional = scenarios.Single(s => s.Id == "tls.optional-verify");
        Assert.True(optional.Verdict == Verdict.KnownDeviation, $"{optional.Verdict}: {optional.Message}; {string.Join("; ", optional.Checks.Select(c => $"{c.Id} {c.Verdict} {c.Measured}"))}");
        var race = Assert.Single(optional.Checks, c => c.Id == "tls.handshake-race");
        Assert.Contains("without a CONNECT", race.Measured);
        Assert.Contains(optional.Checks, c => c.Id == "tls.connected" && c.Verdict == Verdict.Pass);
        // A refused handshake is not mistaken for the race: the module raced only once, so wrong-ca is judged as usual.
        Assert.Equal(Verdict.Pass, scenarios.Single(s => s.Id == "tls.wrong-ca").Verdict);
    }

    [Fact]
    public void Defects_are_only_for_twins_and_must_be_known()
    {
        var e = Assert.Throws<RigFileException>(() => RigFile.Parse("""
            { "modules": [
                { "name": "a", "connection": "tcp://127.0.0.1:7000", "defects": ["slow-ping"] },
                { "name": "b", "connection": "twin:", "defects": ["slow-pong"] } ] }
            """, "bad.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites }));
        Assert.Contains(e.Errors, m => m.Line == 2 && m.Message.Contains("can only be planted in a twin"));
        Assert.Contains(e.Errors, m => m.Line == 3 && m.Message.Contains("unknown defect \"slow-pong\"") && m.Message.Contains("slow-ping"));
    }
}

[Collection(RigRuns.Collection)]
public sealed class StoppedRunTests
{
    private sealed class StopAfterFirstScenario(CancellationTokenSource stop) : IRunProgress
    {
        public void ScenarioStarted(string module, string scenarioId, string title) { }
        public void ScenarioFinished(string module, ScenarioResult result) => stop.Cancel();
        public void ModuleFinished(ModuleResult result) { }
    }

    [Fact]
    public async Task A_stopped_run_still_returns_what_finished_and_marks_the_rest()
    {
        var rig = RigFile.Parse("""
            { "name": "stop", "modules": [ { "name": "t1", "connection": "twin:" } ], "broker": { "listen": "127.0.0.1:0", "tls": false }, "scenarioParallelism": 1,
              "suites": [ { "name": "connect", "include": ["connect.basic"] }, { "name": "keepalive" }, { "name": "reconnect" } ] }
            """, "stop.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        using var temp = new TempDirectory("rigs-stop-");
        var output = temp.Path;
        using var stop = new CancellationTokenSource();
        var runner = new RigRunner(rig, new TwinLauncher(), new LoggerConfiguration().CreateLogger());
        var (result, dir) = await runner.RunAsync(output, (_, body) => body(new StopAfterFirstScenario(stop)), stop.Token);
        var scenarios = Assert.Single(result.Modules).Scenarios;
        Assert.Equal(Verdict.Pass, scenarios[0].Verdict);
        Assert.All(scenarios.Skip(1), s => Assert.Equal(Verdict.Error, s.Verdict));
        Assert.All(scenarios.Skip(1), s => Assert.Contains("stopped", s.Message));
        Assert.True(File.Exists(Path.Combine(dir, "timeline.jsonl")));
    }

    [Fact]
    public async Task A_stop_ends_the_scenarios_running_side_by_side_and_keeps_what_finished()
    {
        var rig = RigFile.Parse("""
            { "name": "stop", "modules": [ { "name": "t1", "connection": "twin:" } ], "broker": { "listen": "127.0.0.1:0", "tls": false }, "scenarioParallelism": 4,
              "suites": [ { "name": "connect", "include": ["connect.basic"] }, { "name": "keepalive" }, { "name": "reconnect" } ] }
            """, "stop.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        using var temp = new TempDirectory("rigs-stop-");
        using var stop = new CancellationTokenSource();
        var runner = new RigRunner(rig, new TwinLauncher(), new LoggerConfiguration().CreateLogger());
        var (result, _) = await runner.RunAsync(temp.Path, (_, body) => body(new StopAfterFirstScenario(stop)), stop.Token);
        var scenarios = Assert.Single(result.Modules).Scenarios;
        Assert.Equal(6, scenarios.Count);
        Assert.Contains(scenarios, s => s.Verdict == Verdict.Pass);
        Assert.All(scenarios, s => Assert.True(s.Verdict == Verdict.Pass || s.Verdict == Verdict.Error && s.Message!.Contains("stopped"), $"{s.Id}: {s.Verdict} {s.Message}"));
        // Started first (the longest wait) and far from done when the first short one finished.
        var keepalive = scenarios.Single(s => s.Id == "keepalive.ping-period");
        Assert.Equal(Verdict.Error, keepalive.Verdict);
    }
}

[Collection(RigRuns.Collection)]
public sealed class RemoteHarnessRunTests
{
    [Fact]
    public async Task A_rig_runs_its_suite_against_a_harness_on_another_host_over_the_control_channel()
    {
        // The "remote" harness is a separate HarnessBroker with a control user, as `air780 broker --control-user` runs it.
        await using var remote = await Air780Bridge.Harness.HarnessBroker.StartAsync(new Air780Bridge.Harness.Broker.HarnessSettings
        {
            BindAddress = System.Net.IPAddress.Loopback, Port = 0, TlsPort = 0, ControlUser = ("rig", "secret"),
        });
        using var temp = new TempDirectory("rigs-remote-");
        var ca = Path.Combine(temp.Path, "harness-ca.pem");
        await File.WriteAllBytesAsync(ca, remote.Certificates!.CaPem);
        var rig = RigFile.Parse($$"""
            { "name": "remote", "modules": [ { "name": "t1", "connection": "twin:" } ],
              "broker": { "remote": "mqtts://127.0.0.1:{{remote.Tls!.Port}}", "remoteCa": {{System.Text.Json.JsonSerializer.Serialize(ca)}}, "controlUser": "rig", "controlPassword": "secret" },
              "suites": [ { "name": "connect", "include": ["connect.basic", "connect.refused", "connect.timeout"] }, { "name": "publish", "include": ["publish.qos1", "publish.qos2"] },
                          { "name": "reconnect", "include": ["reconnect.period"] }, { "name": "will", "include": ["will.abrupt-loss"] },
                          { "name": "robustness", "include": ["robust.duplicate-client-id"] }, { "name": "tls" } ] }
            """, "remote.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        var output = temp.Path;
        var (result, _) = await RigRuns.RunAsync(rig, output);
        var scenarios = Assert.Single(result.Modules).Scenarios.ToDictionary(s => s.Id);
        foreach (var id in new[] { "connect.basic", "connect.refused", "connect.timeout", "publish.qos1", "reconnect.period", "will.abrupt-loss", "robust.duplicate-client-id" })
            Assert.True(scenarios[id].Verdict == Verdict.Pass, $"{id}: {scenarios[id].Verdict} {scenarios[id].Message}");
        Assert.Equal(Verdict.KnownDeviation, scenarios["publish.qos2"].Verdict);
        // The TLS endpoint and its CA come from the harness's announcement on the control channel.
        Assert.All(scenarios.Values.Where(s => s.Suite == "tls"), s => Assert.True(s.Verdict == Verdict.Pass, $"{s.Id}: {s.Verdict} {s.Message}"));
        // The module's wire came from the remote tap, its events from here, on one clock.
        var qos1 = scenarios["publish.qos1"].Timeline;
        Assert.Contains(qos1, step => step.Dir == StepDir.Up && step.Label.StartsWith("PUBLISH", StringComparison.Ordinal));
        Assert.Contains(qos1, step => step.Dir == StepDir.Module && step.Label == "sent");
    }

    [Fact]
    public void A_remote_harness_needs_its_control_login()
    {
        var e = Assert.Throws<RigFileException>(() => RigFile.Parse("""
            { "modules": [ { "name": "a", "connection": "twin:" } ],
              "broker": { "remote": "harness.example.com:1883" } }
            """, "bad.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites }));
        Assert.Contains(e.Errors, m => m.Message.Contains("mqtts://host:port"));
        Assert.Contains(e.Errors, m => m.Message.Contains("needs \"controlUser\""));
    }
}

internal static class RigRuns
{
    /// <summary>Rig runs measure timings (keepalive, reconnect periods): one at a time, so they do not load each other.</summary>
    public const string Collection = "rig runs";

    public static async Task<(RunResult, ReportPaths)> RunAsync(RigFile rig, string output)
    {
        var runner = new RigRunner(rig, new TwinLauncher(), new LoggerConfiguration().CreateLogger());
        var (result, dir) = await runner.RunAsync(output, (plan, body) => RunProgress.RunAsync(plan, body, plainOutput: TextWriter.Null), CancellationToken.None);
        return (result, ReportWriter.In(dir));
    }
}
