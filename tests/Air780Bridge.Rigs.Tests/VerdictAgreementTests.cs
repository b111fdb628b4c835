using Air780Bridge.Client;
using System.Text.RegularExpressions;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.Run;

namespace Air780Bridge.Rigs.Tests;

/// <summary>A chart draws what its check judged: the same values against the same range, so they cannot disagree.</summary>
public sealed class VerdictAgreementTests
{
    // The LuatOS timer rules (ping period, reconnect period) are judged only with a firmware profile.
    private const string Profile = "air780ep-v2028";

    private static TimelineEntry E(double ms, string kind, string conn, string? type = null, string? dir = null, string? clientId = null, int? keepAlive = null) =>
        new() { T = (long)(ms * 1000), Kind = kind, Conn = conn, Type = type, Dir = dir, ClientId = clientId, KeepAlive = keepAlive };

    private static IEnumerable<TimelineEntry> Connect(double ms, string conn) =>
        [E(ms, "connection", conn, "open"), E(ms + 1, "packet", conn, "CONNECT", "up", "mod", 15), E(ms + 2, "packet", conn, "CONNACK", "down") with { Code = 0 }];

    /// <summary>Drops followed by a reconnect after each of <paramref name="delaysMs"/>.</summary>
    private static List<TimelineEntry> Reconnects(params double[] delaysMs)
    {
        var t = new List<TimelineEntry>(Connect(0, "c1"));
        double at = 100;
        for (var i = 0; i < delaysMs.Length; i++)
        {
            t.Add(E(at, "connection", $"c{i + 1}", "close"));
            at += delaysMs[i];
            t.AddRange(Connect(at, $"c{i + 2}"));
            at += 500;
        }
        return t;
    }

    private static List<TimelineEntry> Pings(params double[] intervalsMs)
    {
        var t = new List<TimelineEntry>(Connect(0, "c1"));
        double at = 11_250;
        t.Add(E(at, "packet", "c1", "PINGREQ", "up"));
        foreach (var gap in intervalsMs)
            t.Add(E(at += gap, "packet", "c1", "PINGREQ", "up"));
        return t;
    }

    public static TheoryData<string, double[], CheckVerdict> Samples() => new()
    {
        // The run: 998/1002/999 ms for autoreconn 1000 passed while the old chart said "2 of 3 outside".
        { "reconnect", [998, 1002, 999], CheckVerdict.Pass },
        { "reconnect", [1000, 1251, 1000], CheckVerdict.Fail },
        { "reconnect", [750, 1250], CheckVerdict.Pass },
        // keepalive 15 s: 11250 ± 562.5 ms (the old band was 10.5-12 s).
        { "ping", [11_250, 11_812], CheckVerdict.Pass },
        { "ping", [11_250, 11_900], CheckVerdict.Fail },
        { "ping", [10_600], CheckVerdict.Fail },
        // The client's own rule [MQTT-3.1.2-23]: never silent longer than the keep alive (15 s + 750 ms tolerance).
        { "limit", [11_250, 15_700], CheckVerdict.Pass },
        { "limit", [16_000], CheckVerdict.Fail },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_timing_check_and_its_chart_agree(string kind, double[] values, CheckVerdict expected)
    {
        var (check, timeline, expectation) = kind switch
        {
            "reconnect" => ((ICheck)new ReconnectPeriodCheck(), Reconnects(values), new CheckExpectation { ClientId = "mod", AutoReconnectMs = 1000, Profile = Profile }),
            "ping" => (new PingPeriodCheck(), Pings(values), new CheckExpectation { ClientId = "mod", KeepAliveSeconds = 15, Profile = Profile }),
            _ => (new KeepaliveLimitCheck(), Pings(values), new CheckExpectation { ClientId = "mod", KeepAliveSeconds = 15, Profile = Profile }),
        };
        var result = check.Evaluate(new CheckContext(timeline, expectation));
        Assert.Equal(expected, result.Verdict);

        var series = ScenarioContext.Series(result)!;
        Assert.Equal(check.Id, series.CheckId);
        Assert.Equal(result.Timing!.ValuesMs, series.ValuesMs);
        var outside = series.ValuesMs.Count(v => !series.IsAllowed(v));
        Assert.Equal(expected == CheckVerdict.Fail, outside > 0);
        var chart = TimingChart.Render(series);
        Assert.Contains(outside == 0 ? $"all {series.ValuesMs.Count} within range" : $"{outside} of {series.ValuesMs.Count} outside", chart);
        Assert.Equal(outside, Regex.Matches(chart, "class=\"pt out\"").Count);
    }

    [Fact]
    public void The_band_is_the_checks_tolerance()
    {
        var ping = new PingPeriodCheck().Evaluate(new CheckContext(Pings(11_250), new CheckExpectation { ClientId = "mod", KeepAliveSeconds = 15, Profile = Profile }));
        Assert.Equal(new AllowedRange(11_250 - 562.5, 11_250 + 562.5), ping.Timing!.Allowed);
        Assert.Equal(new CheckTolerances().RangeFor(11_250), ping.Timing.Allowed);
        var reconnect = new ReconnectPeriodCheck().Evaluate(new CheckContext(Reconnects(1000), new CheckExpectation { ClientId = "mod", AutoReconnectMs = 1000, Profile = Profile }));
        Assert.Equal(new AllowedRange(750, 1250), reconnect.Timing!.Allowed);
    }

    [Fact]
    public void A_scenario_naming_a_check_outside_the_catalogue_is_refused_before_anything_runs()
    {
        var bogus = new Scenario("x.y", "s", "t", "c", _ => Task.CompletedTask) { Judges = [new UncataloguedCheck()] };
        var e = Assert.Throws<InvalidOperationException>(() => ConformanceSuite.Validate([bogus]));
        Assert.Contains("scenario x.y names check made.up", e.Message);
        var twice = bogus with { Judges = [new PingPeriodCheck(), new PingPeriodCheck()] };
        Assert.Contains("twice", Assert.Throws<InvalidOperationException>(() => ConformanceSuite.Validate([twice])).Message);
        Assert.All(ConformanceSuite.All.SelectMany(s => s.Judges), c => Assert.Contains(CheckCatalogue.All, k => k.Id == c.Id));
    }

    private sealed class UncataloguedCheck : Check
    {
        public override string Id => "made.up";
        public override string Title => "t";
        public override string Statement => "s";
        public override CheckResult Evaluate(CheckContext ctx) => Inconclusive("never", "n/a");
    }

    [Theory]
    [InlineData(false, Verdict.Inconclusive)]
    [InlineData(true, Verdict.Fail)]
    public async Task An_inconclusive_named_check_keeps_its_verdict_and_fails_a_strict_run(bool strict, Verdict expected)
    {
        var scenario = new Scenario("keepalive.x", "keepalive", "t", "c", ctx => ctx.Judge(new CheckExpectation { KeepAliveSeconds = 15 }))
        {
            Judges = [new PingPeriodCheck()],
        };
        var result = await ScenarioRunner.RunAsync(scenario, new NoModule(), new EmptyHarness(), new MqttEventLog(), TimeSpan.FromSeconds(10), CancellationToken.None, strict);
        Assert.Equal(expected, result.Verdict);
        var check = Assert.Single(result.Checks);
        Assert.Equal(Verdict.Inconclusive, check.Verdict);
        Assert.Contains("keepalive.ping-period inconclusive", result.Message);
        Assert.Equal(strict, result.Message!.StartsWith("strict:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_checks_evidence_reaches_json_junit_and_the_marked_sequence_diagram()
    {
        var timeline = Pings(11_250, 13_000);
        var result = new PingPeriodCheck().Evaluate(new CheckContext(timeline, new CheckExpectation { ClientId = "mod", KeepAliveSeconds = 15, Profile = Profile }));
        var judged = ScenarioContext.Judged(result);
        Assert.Equal(Verdict.Fail, judged.Verdict);
        Assert.Equal(2, judged.Evidence.Count); // the two PINGREQs 13 s apart
        var scenario = new ScenarioResult
        {
            Id = "keepalive.ping-period", Title = "t", Suite = "keepalive", Verdict = Verdict.Fail, Message = "m",
            Checks = [judged], Timeline = TimelineSteps.From(timeline), Timings = [ScenarioContext.Series(result)!],
        };
        var run = new RunResult { Rig = "r", Modules = [new ModuleResult { Name = "m1", Connection = "twin:", Scenarios = [scenario] }] };

        var back = ResultJson.Deserialize(ResultJson.Serialize(run)).Modules[0].Scenarios[0];
        Assert.Equal(judged.Evidence, back.Checks[0].Evidence);
        Assert.Equal("keepalive.ping-period", back.Timings[0].CheckId);

        var svg = SequenceDiagram.Render(scenario.Timeline, "t-", scenario.Checks);
        Assert.Equal(2, Regex.Matches(svg, "<g class=\"msg up ev ev-fail\"").Count);
        Assert.Contains("⚑ keepalive.ping-period", svg);
        Assert.Contains("<ul class=\"ev\">", HtmlReport.Render(run));
        Assert.Contains("evidence:", JUnitReport.Build(run).Descendants("failure").Single().Value);
    }

    [Fact]
    public void Results_json_and_html_show_per_statement_what_the_run_judged_and_how()
    {
        TimelineEntry[] connect = [new() { T = 1, Kind = "packet", Dir = "up", Conn = "c1", Type = "CONNECT", ClientId = "mod", PasswordFlag = true }];
        var judged = ScenarioContext.Judged(new ConnectPasswordWithoutUsernameCheck().Evaluate(new CheckContext(connect, new CheckExpectation())));
        Assert.Equal((Verdict.Fail, "3.1.2-22"), (judged.Verdict, Assert.Single(judged.Statements)));
        var run = new RunResult
        {
            Rig = "r",
            Modules = [new ModuleResult { Name = "m1", Connection = "twin:", Scenarios = [new ScenarioResult { Id = "connect.basic", Title = "t", Suite = "connect", Verdict = Verdict.Fail, Checks = [judged] }] }],
        };
        var statement = run.Statements.Single(s => s.Statement.Id == "3.1.2-22");
        Assert.Equal(Verdict.Fail, statement.Verdict);
        Assert.Equal(new StatementJudgement("m1", "connect.basic", CheckIds.ConnectPasswordWithoutUsername, Verdict.Fail), Assert.Single(statement.Judgements));
        Assert.Contains(CheckIds.ConnectPasswordWithoutUsername, statement.Statement.Checks);
        Assert.Equal(SpecStatements.ClientSide.Count, run.Statements.Count);
        Assert.All(run.Statements.Where(s => s.Judgements.Count == 0), s => Assert.Null(s.Verdict));

        var json = System.Text.Json.JsonDocument.Parse(ResultJson.Serialize(run)).RootElement;
        var row = json.GetProperty("statements").EnumerateArray().Single(s => s.GetProperty("statement").GetProperty("id").GetString() == "3.1.2-22");
        Assert.Equal("Fail", row.GetProperty("verdict").GetString());
        Assert.Equal("Judged", row.GetProperty("statement").GetProperty("coverage").GetString());
        Assert.Equal("connect.basic", row.GetProperty("judgements")[0].GetProperty("scenario").GetString());
        Assert.Equal(ResultJson.Serialize(run), ResultJson.Serialize(ResultJson.Deserialize(ResultJson.Serialize(run))));

        var html = HtmlReport.Render(run);
        Assert.Contains("MQTT 3.1.1 statements", html);
        Assert.Matches("<tr class=\"v-fail\"><td><code>\\[MQTT-3\\.1\\.2-22\\]</code>", html);
    }

    private sealed class NoModule : IModuleDriver
    {
        public string Name => "m1";
        public string Profile => "air780ep-v2028";
        public Task<object?[]> CallAsync(string method, object?[] args, CancellationToken ct) => throw new InvalidOperationException("no module in this test");
    }

    /// <summary>A harness whose timeline stays empty: every check has nothing to judge.</summary>
    private sealed class EmptyHarness : IScenarioHarness
    {
        public (string Host, int Port) Plain => ("127.0.0.1", 1);
        public (string Host, int Port)? Tls => null;
        public TlsMaterial? TlsMaterial => null;
        public long ClockUncertaintyUs => 0;
        public IReadOnlyList<TimelineEntry> Snapshot() => [];
        public Task SettleAsync(CancellationToken ct) => Task.CompletedTask;
        public void Record(TimelineEntry entry) { }
        public IDisposable Watch(Action<TimelineEntry> onEntry) => new CancellationTokenSource();
        public Task DropAsync(string clientId, CancellationToken ct) => throw new NotSupportedException();
        public IDisposable WithholdAck(string clientId, string packetType) => throw new NotSupportedException();
        public IDisposable Refuse(string clientId, int returnCode) => throw new NotSupportedException();
        public IDisposable Mute(string clientId) => throw new NotSupportedException();
        public Task KickWithDuplicateAsync(string clientId, CancellationToken ct) => throw new NotSupportedException();
        public Task<IHarnessPeer> ConnectPeerAsync(string clientId, CancellationToken ct) => throw new NotSupportedException();
        public Task InjectAsync(string clientId, string fault, Air780Bridge.Harness.Faults.Server.ServerFaultArgs args, CancellationToken ct) => throw new NotSupportedException();
        public IDisposable LateConnack(string clientId, TimeSpan delay) => throw new NotSupportedException();
    }
}
