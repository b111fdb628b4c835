using System.Text;
using Air780Bridge.Rigs.Results;
using TimelineFile = Air780Bridge.Harness.Timeline.Timeline;

namespace Air780Bridge.Rigs.Reports;

/// <summary>timeline.jsonl: the run's whole wire and module timeline (<see cref="RunResult.Wire"/>), one entry per line,
/// as `air780 check` reads it.</summary>
public sealed class TimelineReport : IReportWriter
{
    public const string File = "timeline.jsonl";

    public string FileName => File;

    public void Write(RunResult run, Stream output)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        foreach (var entry in run.Wire)
            writer.WriteLine(TimelineFile.ToJson(entry));
    }
}
