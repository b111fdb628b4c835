using System.Text;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Reports;

/// <summary>
/// One report format: one file in the run's folder, written from the finished <see cref="RunResult"/> (Serilog's
/// sink shape: the run is the one record every format reads, formatting stays inside the writer). A new format is
/// one class implementing this plus one line in <see cref="ReportWriter.Formats"/>.
/// </summary>
public interface IReportWriter
{
    /// <summary>File name inside the run folder, e.g. "junit.xml".</summary>
    string FileName { get; }

    void Write(RunResult run, Stream output);
}

/// <summary>A text format, written as UTF-8 without a byte-order mark.</summary>
public abstract class TextReport : IReportWriter
{
    public abstract string FileName { get; }

    public void Write(RunResult run, Stream output)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        Write(run, writer);
    }

    protected abstract void Write(RunResult run, TextWriter output);
}

/// <summary>Where each report of a run is, by file name (<see cref="IReportWriter.FileName"/>).</summary>
public sealed record ReportPaths(IReadOnlyDictionary<string, string> Files)
{
    public string JUnit => Files[JUnitReport.File];
    public string Json => Files[JsonReport.File];
    public string Html => Files[HtmlReport.File];
    public string Timeline => Files[TimelineReport.File];
}

public static class ReportWriter
{
    /// <summary>Every format a run writes, in the order `air780 run` lists them.</summary>
    public static IReadOnlyList<IReportWriter> Formats { get; } = [new HtmlReport(), new JUnitReport(), new JsonReport(), new TimelineReport()];

    /// <summary>Writes every format into <paramref name="outputDir"/> (created if missing).</summary>
    public static ReportPaths WriteAll(RunResult run, string outputDir)
    {
        Directory.CreateDirectory(outputDir);
        var paths = In(outputDir);
        foreach (var format in Formats)
        {
            using var file = File.Create(paths.Files[format.FileName]);
            format.Write(run, file);
        }
        return paths;
    }

    /// <summary>The paths <see cref="WriteAll"/> writes in <paramref name="outputDir"/>.</summary>
    public static ReportPaths In(string outputDir) =>
        new(Formats.ToDictionary(f => f.FileName, f => Path.GetFullPath(Path.Combine(outputDir, f.FileName))));
}
