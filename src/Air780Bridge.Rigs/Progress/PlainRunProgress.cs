using System.Globalization;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Progress;

/// <summary>
/// One line per event, for CI logs and redirected output, where a live table would print garbage:
/// <c>04:51:05 [twin-1]  3/7 FAIL publish.qos1-redelivery (8.31 s): PUBLISH id=12 re-sent with DUP=0</c>.
/// </summary>
public sealed class PlainRunProgress(RunPlan plan, TextWriter output, TimeProvider? time = null) : IRunProgress
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ProgressBoard _board = new(plan, time);
    private readonly object _write = new();

    public ProgressBoard Board => _board;

    public void ScenarioStarted(string module, string scenarioId, string title)
    {
        var p = _board.ScenarioStarted(module, scenarioId, title);
        Line(module, $"{Position(p, p.Finished + 1)} .... {scenarioId}  {title}");
    }

    public void ScenarioFinished(string module, ScenarioResult result)
    {
        var p = _board.ScenarioFinished(module, result);
        var why = result.Message is null ? "" : $": {result.Message}";
        Line(module, $"{Position(p, p.Finished)} {VerdictText.Word(result.Verdict),-4} {result.Id} ({VerdictText.Duration(result.Duration)}){why}");
    }

    public void ModuleFinished(ModuleResult result)
    {
        _board.ModuleFinished(result);
        var c = result.Counts;
        var why = result.Error is null ? "" : $": {result.Error}";
        Line(result.Name, $"done  {VerdictText.Word(result.Verdict)}  {c.Pass} pass, {c.KnownDeviation} known deviation, {c.Fail} fail, {c.Error} error, {c.Skipped} skipped{(c.Inconclusive > 0 ? $", {c.Inconclusive} inconclusive" : "")}{why}");
    }

    private static string Position(ModuleProgress p, int n)
    {
        var width = Math.Max(1, p.Plan.Scenarios.ToString(CultureInfo.InvariantCulture).Length);
        return $"{n.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{p.Plan.Scenarios}";
    }

    private void Line(string module, string text)
    {
        var stamp = _time.GetUtcNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        lock (_write)
        {
            output.WriteLine($"{stamp} [{module}] {text}");
            output.Flush();
        }
    }
}
