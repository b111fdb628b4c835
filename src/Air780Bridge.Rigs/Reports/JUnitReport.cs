using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Reports;

/// <summary>
/// junit.xml, valid against Jenkins' junit-10.xsd (the common JUnit schema; the test suite validates against the copy
/// in tests/): one &lt;testsuite&gt; per module, one &lt;testcase&gt; per scenario named by its scenario id alone, so
/// renaming a title keeps the test's history; the title is a suite property ("title:{id}") because the schema allows
/// no properties on a testcase, and it leads the text of every failure or skip. A module that could not run is one
/// errored testcase named "(module)".
/// <para>
/// Known deviations and inconclusive scenarios are &lt;skipped type="KnownDeviation"|"Inconclusive" message="..."&gt;
/// with the evidence as the element's text. Skipped is the one outcome between pass and fail that every dashboard
/// shows without turning the build red: Jenkins counts it in yellow in the trend and shows the message attribute as
/// "Skipped Message" (it falls back to the text); GitLab lists it under "skipped" with the element text as the
/// reason, while it shows system-out only for failed tests and parses no properties; the GitHub Actions reporters
/// (dorny/test-reporter, mikepenz/action-junit-report, EnricoMi/publish-unit-test-result-action) count and list
/// skipped tests. A pass with a note in system-out, as before, was invisible in all three; a failure would break
/// builds on a documented behaviour. The message starts with "KNOWN DEVIATION:" so nobody reads it as "not run".
/// </para>
/// </summary>
public sealed class JUnitReport : IReportWriter
{
    public const string File = "junit.xml";

    public string FileName => File;

    public void Write(RunResult run, Stream output)
    {
        using var writer = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
        Build(run).Save(writer);
    }

    public static XDocument Build(RunResult run)
    {
        var counts = run.Counts;
        var moduleErrors = run.Modules.Count(m => m.Error is not null);
        // The schema's <testsuites> has name, time, tests, failures, errors, disabled: skipped counts and the
        // timestamp go on each <testsuite>.
        var root = new XElement("testsuites",
            new XAttribute("name", Clean(run.Rig)),
            new XAttribute("tests", counts.Total + moduleErrors),
            new XAttribute("failures", counts.Fail),
            new XAttribute("errors", counts.Error + moduleErrors),
            new XAttribute("time", Seconds(run.Duration)),
            run.Modules.Select(m => Suite(run, m)));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    private static XElement Suite(RunResult run, ModuleResult m)
    {
        var c = m.Counts;
        var moduleError = m.Error is not null ? 1 : 0;
        var properties = new XElement("properties",
            Property("connection", m.Connection),
            Property("profile", m.Profile),
            Property("firmware", m.Hello?.FirmwareVersion),
            Property("bsp", m.Hello?.Bsp),
            Property("imei", m.Hello?.Imei),
            Property("bootId", m.Hello?.BootId),
            Property("agent", m.Hello?.AgentVersion),
            m.Scenarios.Select(s => Property($"title:{s.Id}", s.Title)));
        var suite = new XElement("testsuite",
            new XAttribute("name", Clean(m.Name)),
            new XAttribute("tests", c.Total + moduleError),
            new XAttribute("failures", c.Fail),
            new XAttribute("errors", c.Error + moduleError),
            new XAttribute("skipped", c.Skipped + c.KnownDeviation + c.Inconclusive),
            new XAttribute("time", Seconds(m.Duration)),
            new XAttribute("timestamp", Timestamp(run.Started)),
            properties);
        if (m.Error is not null)
            suite.Add(new XElement("testcase", new XAttribute("name", "(module)"), new XAttribute("classname", Clean(m.Name)), new XAttribute("time", "0"),
                new XElement("error", new XAttribute("message", Clean(m.Error)), new XAttribute("type", "ModuleError"), Clean(m.Error))));
        suite.Add(m.Scenarios.Select(s => Case(m, s)));
        return suite;
    }

    private static XElement? Property(string name, string? value) =>
        value is null ? null : new XElement("property", new XAttribute("name", Clean(name)), new XAttribute("value", Clean(value)));

    private static XElement Case(ModuleResult m, ScenarioResult s)
    {
        var testcase = new XElement("testcase",
            new XAttribute("name", Clean(s.Id)),
            new XAttribute("classname", Clean($"{m.Name}.{s.Suite}")),
            new XAttribute("time", Seconds(s.Duration)));
        var message = s.Message ?? s.Verdict.ToString();
        XElement Outcome(string element, string type, string text) =>
            new(element, new XAttribute("message", Clean(text)), new XAttribute("type", type), Evidence(s, text));
        switch (s.Verdict)
        {
            case Verdict.Fail:
                testcase.Add(Outcome("failure", "ConformanceFailure", message));
                break;
            case Verdict.Error:
                testcase.Add(Outcome("error", "ScenarioError", message));
                break;
            case Verdict.Skipped:
                testcase.Add(Outcome("skipped", "Skipped", message));
                break;
            case Verdict.KnownDeviation:
                testcase.Add(Outcome("skipped", "KnownDeviation", $"KNOWN DEVIATION: {message}"));
                break;
            case Verdict.Inconclusive:
                testcase.Add(Outcome("skipped", "Inconclusive", $"INCONCLUSIVE: {message}"));
                break;
        }
        return testcase;
    }

    /// <summary>Plain-text evidence: the title and message, the checks that did not pass with the entries they rest on, then the wire timeline.</summary>
    private static string Evidence(ScenarioResult s, string message)
    {
        var text = new StringBuilder().AppendLine($"{s.Id}: {s.Title}").AppendLine(message);
        var t0 = s.Timeline.Count > 0 ? s.Timeline[0].TUs : 0;
        foreach (var c in s.Checks.Where(c => c.Verdict != Verdict.Pass))
        {
            text.Append($"[{c.Verdict}] {c.Id} {c.Title} ({c.Source})");
            if (c.Measured is not null) text.Append($"; measured {c.Measured}");
            if (c.Allowed is not null) text.Append($"; allowed {c.Allowed}");
            text.AppendLine();
            if (c.Explanation is not null) text.AppendLine($"    {c.Explanation}");
            foreach (var step in c.Evidence)
                text.AppendLine($"    evidence: {Line(step, t0)}");
        }
        if (s.Timeline.Count > 0)
        {
            text.AppendLine("Wire timeline:");
            foreach (var step in s.Timeline)
                text.AppendLine($"  {Line(step, t0)}");
        }
        return Clean(text.ToString());
    }

    private static string Line(TimelineStep step, long t0) => string.Create(CultureInfo.InvariantCulture,
        $"{(step.TUs - t0) / 1000.0,10:F3} ms  {step.Conn,-4} {Arrow(step.Dir)} {step.Label}{(step.Detail is null ? "" : "  " + step.Detail)}");

    private static string Arrow(string dir) => dir switch
    {
        StepDir.Up => "module -> broker",
        StepDir.Down => "broker -> module",
        StepDir.Module => "module (lua)    ",
        _ => "tap             ",
    };

    // XML 1.0 cannot carry most control characters (a payload or a Lua error text may hold them).
    private static string Clean(string text)
    {
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i])) clean.Append(text[i]);
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i])) clean.Append(text, i++, 2);
            else clean.Append('\uFFFD');
        }
        return clean.ToString();
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture);

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
}
