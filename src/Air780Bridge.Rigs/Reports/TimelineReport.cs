using Air780Bridge.Rigs.Results;
using TimelineFile = Air780Bridge.Harness.Timeline.Timeline;

namespace Air780Bridge.Rigs.Reports;

/// <summary>timeline.jsonl: the run's whole wire and module timeline (<see cref="RunResult.Wire"/>), one entry per line,
/// as `air780 check` reads it.</summary>
public sealed class TimelineReport : TextReport
{
    public const string File = "timeline.jsonl";

    public override string FileName => File;

    protected override void Write(RunResult run, TextWriter output)
    {
        foreach (var entry in run.Wire)
            output.WriteLine(TimelineFile.ToJson(entry));
    }
}
