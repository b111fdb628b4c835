using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Reports;

/// <summary>
/// junit.xml in the common Ant/Surefire dialect GitHub, GitLab and Jenkins parse: one &lt;testsuite&gt; per
/// module, one &lt;testcase&gt; per scenario. Known deviations are reported as PASSED with a "KNOWN DEVIATION"
/// note in &lt;system-out&gt;: the scenario ran and the module behaved as the firmware is known to behave, so
/// CI must stay green, and "skipped" would wrongly say it never ran. A module that could not run at all is
/// one errored testcase named "(module)".
/// </summary>
public static class JUnitReport
{
    public static XDocument Build(RunResult run)
    {
        var counts = run.Counts;
        var moduleErrors = run.Modules.Count(m => m.Error is not null);
        var root = new XElement("testsuites",
            new XAttribute("name", run.Rig),
            new XAttribute("tests", counts.Total + moduleErrors),
            new XAttribute("failures", counts.Fail),
            new XAttribute("errors", counts.Error + moduleErrors),
            new XAttribute("skipped", counts.Skipped),
            new XAttribute("time", Seconds(run.Duration)),
            new XAttribute("timestamp", Timestamp(run.Started)),
            run.Modules.Select(Suite));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    public static void Write(RunResult run, string path)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
        using var writer = XmlWriter.Create(path, settings);
        Build(run).Save(writer);
    }

    private static XElement Suite(ModuleResult m)
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
            Property("agent", m.Hello?.AgentVersion));
        var suite = new XElement("testsuite",
            new XAttribute("name", m.Name),
            new XAttribute("tests", c.Total + moduleError),
            new XAttribute("failures", c.Fail),
            new XAttribute("errors", c.Error + moduleError),
            new XAttribute("skipped", c.Skipped),
            new XAttribute("time", Seconds(m.Duration)),
            properties);
        if (m.Error is not null)
            suite.Add(new XElement("testcase", new XAttribute("name", "(module)"), new XAttribute("classname", m.Name), new XAttribute("time", "0"),
                new XElement("error", new XAttribute("message", Clean(m.Error)), new XAttribute("type", "ModuleError"), Clean(m.Error))));
        suite.Add(m.Scenarios.Select(s => Case(m, s)));
        return suite;
    }

    private static XElement? Property(string name, string? value) =>
        value is null ? null : new XElement("property", new XAttribute("name", name), new XAttribute("value", Clean(value)));

    private static XElement Case(ModuleResult m, ScenarioResult s)
    {
        var testcase = new XElement("testcase",
            new XAttribute("name", $"{s.Id}: {Clean(s.Title)}"),
            new XAttribute("classname", $"{m.Name}.{s.Suite}"),
            new XAttribute("time", Seconds(s.Duration)));
        var message = Clean(s.Message ?? s.Verdict.ToString());
        switch (s.Verdict)
        {
            case Verdict.Fail:
                testcase.Add(new XElement("failure", new XAttribute("message", message), new XAttribute("type", "ConformanceFailure"), Evidence(s)));
                break;
            case Verdict.Error:
                testcase.Add(new XElement("error", new XAttribute("message", message), new XAttribute("type", "ScenarioError"), Evidence(s)));
                break;
            case Verdict.Skipped:
                testcase.Add(new XElement("skipped", new XAttribute("message", message)));
                break;
            case Verdict.KnownDeviation:
                testcase.Add(new XElement("system-out", $"KNOWN DEVIATION: {message}\n{Evidence(s)}"));
                break;
        }
        return testcase;
    }

    /// <summary>Plain-text evidence: the checks that did not pass, then the wire timeline.</summary>
    private static string Evidence(ScenarioResult s)
    {
        var text = new StringBuilder();
        foreach (var c in s.Checks.Where(c => c.Verdict != Verdict.Pass))
        {
            text.Append($"[{c.Verdict}] {c.Id} {c.Title} ({c.Source})");
            if (c.Measured is not null) text.Append($"; measured {c.Measured}");
            if (c.Allowed is not null) text.Append($"; allowed {c.Allowed}");
            text.AppendLine();
            if (c.Explanation is not null) text.AppendLine($"    {c.Explanation}");
        }
        if (s.Timeline.Count > 0)
        {
            text.AppendLine("Wire timeline:");
            var t0 = s.Timeline[0].TUs;
            foreach (var step in s.Timeline)
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(step.TUs - t0) / 1000.0,10:F3} ms  {step.Conn,-4} {Arrow(step.Dir)} {step.Label}{(step.Detail is null ? "" : "  " + step.Detail)}"));
        }
        return Clean(text.ToString());
    }

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
