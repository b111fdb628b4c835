using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Progress;

/// <summary>Thread-safe tally behind both progress views: per module, what ran, what is running, what it scored.</summary>
public sealed class ProgressBoard
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Dictionary<string, Row> _rows;
    private readonly List<string> _order;

    public ProgressBoard(RunPlan plan, TimeProvider? time = null)
    {
        Plan = plan;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        _rows = plan.Modules.ToDictionary(m => m.Name, m => new Row(m));
        _order = plan.Modules.Select(m => m.Name).ToList();
    }

    public RunPlan Plan { get; }

    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>A consistent copy of every module's progress, in plan order (modules not in the plan are appended).</summary>
    public IReadOnlyList<ModuleProgress> Snapshot()
    {
        lock (_gate)
            return _order.Select(name => _rows[name].Freeze(_time)).ToList();
    }

    public ModuleProgress ScenarioStarted(string module, string scenarioId, string title)
    {
        lock (_gate)
        {
            var row = RowOf(module);
            row.Running.Add((scenarioId, title, _time.GetTimestamp()));
            return row.Freeze(_time);
        }
    }

    public ModuleProgress ScenarioFinished(string module, ScenarioResult result)
    {
        lock (_gate)
        {
            var row = RowOf(module);
            row.Done.Add(result.Verdict);
            row.Running.RemoveAll(r => r.Id == result.Id);
            return row.Freeze(_time);
        }
    }

    public ModuleProgress ModuleFinished(ModuleResult result)
    {
        lock (_gate)
        {
            var row = RowOf(result.Name);
            row.Running.Clear();
            row.Final = result;
            return row.Freeze(_time);
        }
    }

    // A module the plan did not list still gets a row rather than being dropped.
    private Row RowOf(string module)
    {
        if (_rows.TryGetValue(module, out var row)) return row;
        row = new Row(new ModulePlan(module, "", 0));
        _rows[module] = row;
        _order.Add(module);
        return row;
    }

    private sealed class Row(ModulePlan plan)
    {
        public readonly List<Verdict> Done = [];
        /// <summary>In start order: a module runs its independent scenarios side by side.</summary>
        public readonly List<(string Id, string Title, long Since)> Running = [];
        public ModuleResult? Final;

        // The longest-running one is shown: the one a stuck module is most likely stuck in.
        public ModuleProgress Freeze(TimeProvider time) => Running.FirstOrDefault() is var (id, title, since) && id is not null
            ? new(plan, VerdictCounts.Of(Done), id, title, time.GetElapsedTime(since), Final?.Verdict, Final?.Error)
            : new(plan, VerdictCounts.Of(Done), null, null, null, Final?.Verdict, Final?.Error);
    }
}

/// <param name="Counts">Verdicts of the scenarios finished so far.</param>
/// <param name="Verdict">Set once the module finished.</param>
/// <param name="Error">Why the module could not run, once finished.</param>
public sealed record ModuleProgress(
    ModulePlan Plan, VerdictCounts Counts, string? CurrentId, string? CurrentTitle, TimeSpan? CurrentElapsed, Verdict? Verdict, string? Error)
{
    public int Finished => Counts.Total;
    public bool IsDone => Verdict is not null;
}
