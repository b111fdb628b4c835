using System.Text;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Reports;

/// <summary>results.json: the whole <see cref="RunResult"/> (<see cref="ResultJson"/>), readable back to re-render the other reports.</summary>
public sealed class JsonReport : IReportWriter
{
    public const string File = "results.json";

    public string FileName => File;

    public void Write(RunResult run, Stream output)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        writer.Write(ResultJson.Serialize(run));
    }
}
