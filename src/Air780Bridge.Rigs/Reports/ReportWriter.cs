using System.Text;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Reports;

/// <summary>The files one run leaves behind.</summary>
public sealed record ReportPaths(string JUnit, string Json, string Html);

public static class ReportWriter
{
    public const string JUnitFile = "junit.xml";
    public const string JsonFile = "results.json";
    public const string HtmlFile = "report.html";

    /// <summary>Writes junit.xml, results.json and report.html into <paramref name="outputDir"/> (created if missing).</summary>
    public static ReportPaths WriteAll(RunResult run, string outputDir)
    {
        Directory.CreateDirectory(outputDir);
        var paths = new ReportPaths(
            Path.GetFullPath(Path.Combine(outputDir, JUnitFile)),
            Path.GetFullPath(Path.Combine(outputDir, JsonFile)),
            Path.GetFullPath(Path.Combine(outputDir, HtmlFile)));
        JUnitReport.Write(run, paths.JUnit);
        File.WriteAllText(paths.Json, ResultJson.Serialize(run), new UTF8Encoding(false));
        HtmlReport.Write(run, paths.Html);
        return paths;
    }
}
