using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Reports;

/// <summary>results.json: the whole <see cref="RunResult"/> (<see cref="ResultJson"/>), readable back to re-render the other reports.</summary>
public sealed class JsonReport : TextReport
{
    public const string File = "results.json";

    public override string FileName => File;

    protected override void Write(RunResult run, TextWriter output) => output.Write(ResultJson.Serialize(run));
}
