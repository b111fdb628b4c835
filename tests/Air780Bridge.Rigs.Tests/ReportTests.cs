using System.Text.RegularExpressions;
using System.Xml.Linq;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rigs-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WriteAll_writes_the_three_reports()
    {
        var paths = ReportWriter.WriteAll(SampleRuns.Realistic(), Path.Combine(_dir, "out"));
        Assert.Equal(["junit.xml", "results.json", "report.html"], new[] { paths.JUnit, paths.Json, paths.Html }.Select(Path.GetFileName));
        Assert.All(new[] { paths.JUnit, paths.Json, paths.Html }, p => Assert.True(new FileInfo(p).Length > 500, p));
    }

    [Fact]
    public void JUnit_is_well_formed_with_counts_per_module()
    {
        var run = SampleRuns.Realistic();
        var path = Path.Combine(_dir, "junit.xml");
        JUnitReport.Write(run, path);
        var doc = XDocument.Load(path);

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
        Assert.Equal(1, (int)twin1.Attribute("skipped")!);
        Assert.Equal(0, (int)twin1.Attribute("errors")!);
        Assert.Equal("V1120", twin1.Descendants("property").Single(p => (string)p.Attribute("name")! == "firmware").Attribute("value")!.Value);

        // Failures carry message and evidence (failed check and the wire timeline).
        var failure = twin1.Elements("testcase").Single(c => ((string)c.Attribute("name")!).StartsWith("publish.qos1-redelivery")).Element("failure")!;
        Assert.Contains("DUP=0", (string)failure.Attribute("message")!);
        Assert.Contains("[Fail] publish.qos1.dup", failure.Value);
        Assert.Contains("PUBLISH id=12 q1", failure.Value);

        // Known deviations pass (no failure/skipped element) with a note in system-out.
        var deviation = twin1.Elements("testcase").Single(c => ((string)c.Attribute("name")!).StartsWith("msgid.wrap"));
        Assert.Single(deviation.Elements());
        Assert.StartsWith("KNOWN DEVIATION: packet id 0", deviation.Element("system-out")!.Value);

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
        var path = Path.Combine(_dir, "junit.xml");
        JUnitReport.Write(run, path);
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

    [ChromiumFact]
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

/// <summary>A fact that is skipped, saying why, when headless Chromium is not installed (xunit v2 cannot skip from inside a test).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium))
            Skip = $"{Chromium} is not installed (apt-get install -y chromium), so the HTML report was not rendered to a screenshot";
    }
}
