using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Tests;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rigs-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WriteAll_writes_every_registered_format()
    {
        var run = SampleRuns.Realistic() with { Wire = [new TimelineEntry { T = 1, Kind = "packet", Conn = "c1", Dir = "up", Type = "PINGREQ" }] };
        var paths = ReportWriter.WriteAll(run, Path.Combine(_dir, "out"));
        Assert.Equal(["report.html", "junit.xml", "results.json", "timeline.jsonl"], ReportWriter.Formats.Select(f => f.FileName));
        Assert.Equal(["junit.xml", "results.json", "report.html", "timeline.jsonl"], new[] { paths.JUnit, paths.Json, paths.Html, paths.Timeline }.Select(Path.GetFileName));
        Assert.All(new[] { paths.JUnit, paths.Json, paths.Html }, p => Assert.True(new FileInfo(p).Length > 500, p));
        // timeline.jsonl is what `air780 check` reads back.
        Assert.Equal("PINGREQ", Assert.Single(File.ReadAllLines(paths.Timeline).Select(Air780Bridge.Harness.Timeline.Timeline.FromJson)).Type);
    }

    [Fact]
    public void JUnit_validates_against_the_common_junit_xsd()
    {
        var schemas = JUnitSchema.Set;
        var run = SampleRuns.Realistic();
        var inconclusive = run with
        {
            Modules = [run.Modules[0] with { Scenarios = [.. run.Modules[0].Scenarios, new ScenarioResult { Id = "x.inc", Title = "t", Suite = "s", Verdict = Verdict.Inconclusive, Message = "m" }] }],
        };
        foreach (var sample in new[] { run, inconclusive })
            Assert.Empty(JUnitSchema.Errors(JUnitReport.Build(sample)));
        // The validation is real: an attribute the schema's <testsuites> lacks is refused.
        var broken = JUnitReport.Build(run);
        broken.Root!.Add(new XAttribute("skipped", 1));
        var refused = new List<string>();
        broken.Validate(schemas, (_, e) => refused.Add(e.Message));
        Assert.Contains(refused, m => m.Contains("skipped"));
    }

    [Fact]
    public void JUnit_is_well_formed_with_counts_per_module()
    {
        var run = SampleRuns.Realistic();
        var doc = JUnitReport.Build(run);

        var root = doc.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        var suites = root.Elements("testsuite").ToList();
        Assert.Equal(run.Modules.Select(m => m.Name), suites.Select(s => (string)s.Attribute("name")!));

        foreach (var suite in suites)
        {
            var cases = suite.Elements("testcase").ToList();
            Assert.Equal(cases.Count, (int)suite.Attribute("tests")!);
            Assert.Equal(cases.Count(c => c.Element("failure") is not null), (int)suite.Attribute("failures")!);
            Assert.Equal(cases.Count(c => c.Element("error") is not null), (int)suite.Attribute("errors")!);
            Assert.Equal(cases.Count(c => c.Element("skipped") is not null), (int)suite.Attribute("skipped")!);
        }
        var twin1 = suites[0];
        Assert.Equal(7, (int)twin1.Attribute("tests")!);
        Assert.Equal(2, (int)twin1.Attribute("failures")!);
        Assert.Equal(2, (int)twin1.Attribute("skipped")!); // the TLS skip and the known deviation
        // Stable names: the scenario id alone; the title is a suite property and leads the evidence text.
        Assert.Equal(run.Modules[0].Scenarios.Select(s => s.Id), twin1.Elements("testcase").Select(c => (string)c.Attribute("name")!));
        Assert.Equal("Packet id wraps 65535 -> 1", (string)twin1.Element("properties")!.Elements("property").Single(p => (string)p.Attribute("name")! == "title:msgid.wrap").Attribute("value")!);
        Assert.Null(root.Attribute("skipped"));
        Assert.Null(root.Attribute("timestamp"));
        Assert.Equal("2026-11-25T04:00:00", (string)twin1.Attribute("timestamp")!);
        Assert.Equal(0, (int)twin1.Attribute("errors")!);
        Assert.Equal("V1120", twin1.Descendants("property").Single(p => (string)p.Attribute("name")! == "firmware").Attribute("value")!.Value);

        // Failures carry message and evidence (failed check and the wire timeline).
        var failure = twin1.Elements("testcase").Single(c => (string)c.Attribute("name")! == "publish.qos1-redelivery").Element("failure")!;
        Assert.Contains("DUP=0", (string)failure.Attribute("message")!);
        Assert.Contains("[Fail] publish.qos1.dup", failure.Value);
        Assert.Contains("PUBLISH id=12 q1", failure.Value);

        // Known deviations are visible on dashboards as skipped with the reason (never a failure): Jenkins reads the
        // message attribute, GitLab the element text.
        var deviation = twin1.Elements("testcase").Single(c => (string)c.Attribute("name")! == "msgid.wrap");
        var skipped = Assert.Single(deviation.Elements());
        Assert.Equal(("skipped", "KnownDeviation"), (skipped.Name.LocalName, (string)skipped.Attribute("type")!));
        Assert.StartsWith("KNOWN DEVIATION: packet id 0", (string)skipped.Attribute("message")!);
        Assert.Contains("[KnownDeviation] msgid.nonzero", skipped.Value);
        Assert.StartsWith("msgid.wrap: Packet id wraps 65535 -> 1", skipped.Value);

        // A module that never ran is one errored testcase.
        var bench = suites[3];
        Assert.Equal((1, 1), ((int)bench.Attribute("tests")!, (int)bench.Attribute("errors")!));
        Assert.Contains("no HELLO", (string)bench.Element("testcase")!.Element("error")!.Attribute("message")!);

        var total = run.Counts;
        Assert.Equal(total.Total + 1, (int)root.Attribute("tests")!);
        Assert.Equal(total.Fail, (int)root.Attribute("failures")!);
    }

    [Fact]
    public void JUnit_survives_control_characters_and_markup_in_text()
    {
        var run = OneScenario(new ScenarioResult
        {
            Id = "x.y", Title = "title <b>&amp;", Suite = "s", Verdict = Verdict.Fail, Message = "bad \u0001 byte and \ud83d\ude00 </failure>",
        });
        var path = ReportWriter.WriteAll(run, _dir).JUnit;
        var failure = XDocument.Load(path).Descendants("failure").Single();
        Assert.Equal("bad \uFFFD byte and \ud83d\ude00 </failure>", (string)failure.Attribute("message")!);
    }

    [Fact]
    public void Json_round_trips_and_is_camel_case()
    {
        var run = SampleRuns.Realistic();
        var json = ResultJson.Serialize(run);
        Assert.Contains("\"started\":", json);
        Assert.Contains("\"tUs\":", json);
        Assert.Contains("\"verdict\": \"KnownDeviation\"", json);
        var back = ResultJson.Deserialize(json);
        Assert.Equal(json, ResultJson.Serialize(back));
        Assert.Equal(run.Counts, back.Counts);
        Assert.Equal(Verdict.Error, back.Modules[3].Verdict);
        Assert.Equal(run.Modules[0].Scenarios[1].Timings[0].ValuesMs, back.Modules[0].Scenarios[1].Timings[0].ValuesMs);
    }

    [Fact]
    public void Html_sequence_diagram_has_one_arrow_per_timeline_step()
    {
        var scenario = SampleRuns.Realistic().Modules[0].Scenarios.Single(s => s.Id == "publish.qos1-redelivery");
        var svg = SequenceDiagram.Render(scenario.Timeline);
        Assert.StartsWith("<svg", svg);
        Assert.Equal(scenario.Timeline.Count, Regex.Matches(svg, "<g class=\"msg ").Count);
        Assert.Equal(scenario.Timeline.Count(s => s.Dir == StepDir.Up), Regex.Matches(svg, "<g class=\"msg up\"").Count);
        Assert.Equal(scenario.Timeline.Count(s => s.Dir == StepDir.Down), Regex.Matches(svg, "<g class=\"msg down\"").Count);
        XDocument.Parse(svg); // well-formed XML, so it also works as a standalone .svg

        var html = HtmlReport.Render(SampleRuns.Realistic());
        Assert.Contains("<svg class=\"seq\"", html);
    }

    [Fact]
    public void Long_timelines_are_truncated_with_a_note()
    {
        var steps = Enumerable.Range(0, 500).Select(i => new TimelineStep(i * 1000L, "c1", i % 2 == 0 ? StepDir.Up : StepDir.Down, $"PUBLISH id={i}")).ToList();
        var svg = SequenceDiagram.Render(steps);
        Assert.Equal(SequenceDiagram.Head + SequenceDiagram.Tail, Regex.Matches(svg, "<g class=\"msg ").Count);
        Assert.Contains($"{500 - SequenceDiagram.Head - SequenceDiagram.Tail} steps omitted", svg);
        Assert.Contains("PUBLISH id=499", svg);
        Assert.DoesNotContain("PUBLISH id=200<", svg);
    }

    [Fact]
    public void Html_chart_marks_points_outside_the_allowed_band()
    {
        var series = new TimingSeries("reconnect delay", [3012, 3008, 2994, 9870, 3005], 2700, 3300);
        var svg = TimingChart.Render(series);
        Assert.Contains("class=\"band\"", svg);
        Assert.Single(Regex.Matches(svg, "class=\"pt out\""));
        Assert.Equal(4, Regex.Matches(svg, "class=\"pt in\"").Count);
        Assert.Contains("1 of 5 outside", svg);
        XDocument.Parse(svg);

        var oneSided = TimingChart.Render(new TimingSeries("latency", [10, 250], null, 200));
        Assert.Single(Regex.Matches(oneSided, "class=\"pt out\""));
    }

    [Fact]
    public void Html_escapes_markup_from_the_wire()
    {
        var evil = "<script>alert(1)</script>";
        var run = OneScenario(new ScenarioResult
        {
            Id = "publish.topic", Title = "Topic with markup", Suite = "publish", Verdict = Verdict.Fail, Message = $"topic {evil}",
            Checks = [new JudgedCheck("c", evil, "s", Verdict.Fail, evil, null, evil)],
            Timeline = [new TimelineStep(0, "c1", StepDir.Up, "PUBLISH id=1 q0", evil), new TimelineStep(10, "c1", StepDir.Tap, evil)],
            Timings = [new TimingSeries(evil, [1], 0, 2)],
        });
        var html = HtmlReport.Render(run);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public void Html_is_self_contained()
    {
        var html = HtmlReport.Render(SampleRuns.Realistic());
        Assert.DoesNotMatch("<(link|script|img|iframe)\\b", html);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        Assert.DoesNotContain("url(http", html);
        Assert.Contains("<style>", html);
    }

    [ChromiumRequiredFact]
    public void Html_renders_to_a_screenshot_in_headless_chromium()
    {
        var html = ReportWriter.WriteAll(SampleRuns.Realistic(), _dir).Html;
        HeadlessChromium.Screenshot(html, Path.Combine(_dir, "report.png"));
    }

    private static RunResult OneScenario(ScenarioResult scenario) => new()
    {
        Rig = "t", Started = DateTimeOffset.UnixEpoch, Finished = DateTimeOffset.UnixEpoch.AddSeconds(1),
        Modules = [new ModuleResult { Name = "m1", Connection = "twin:", Scenarios = [scenario] }],
    };
}

/// <summary>Jenkins' junit-10.xsd (tests/Air780Bridge.Rigs.Tests/junit-10.xsd, source noted in the file), the schema junit.xml must satisfy.</summary>
internal static class JUnitSchema
{
    public static XmlSchemaSet Set { get; } = Load();

    private static XmlSchemaSet Load()
    {
        var set = new XmlSchemaSet();
        set.Add(null, Repository.File("tests", "Air780Bridge.Rigs.Tests", "junit-10.xsd"));
        return set;
    }

    public static List<string> Errors(XDocument junit)
    {
        var errors = new List<string>();
        junit.Validate(Set, (_, e) => errors.Add($"{e.Severity}: {e.Message}"));
        return errors;
    }
}
