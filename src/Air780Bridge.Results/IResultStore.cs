using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Results;

/// <summary>
/// Every run a station made, kept for years and queryable by IMEI, ICCID, station, firmware and scenario.
/// SQLite and PostgreSQL sit behind it (<see cref="ResultStore.Open"/>); results.json is what it is fed from.
/// </summary>
public interface IResultStore : IAsyncDisposable
{
    StoreLocation Location { get; }

    /// <summary>Stores a run with its modules, scenarios and checks. A run already stored (same station, rig and start) is not stored twice.</summary>
    Task<SavedRun> SaveAsync(RunResult run, string? outputDir, CancellationToken ct = default);

    /// <summary>Every test of the module with that IMEI (or ICCID), newest first.</summary>
    Task<IReadOnlyList<HistoryEntry>> HistoryAsync(HistoryQuery query, CancellationToken ct = default);

    Task<IReadOnlyList<YieldRow>> YieldAsync(YieldQuery query, CancellationToken ct = default);

    /// <summary>The failed scenarios of run <paramref name="runId"/>, or of the newest run of <paramref name="rig"/> when null.</summary>
    Task<RetestPlan?> FailedOfAsync(long? runId, string rig, CancellationToken ct = default);
}

/// <param name="AlreadyStored">True when the run was in the store before (an import replayed twice).</param>
public sealed record SavedRun(long Id, bool AlreadyStored);

public sealed record HistoryQuery(string? Imei = null, string? Iccid = null, int Limit = 1000);

/// <summary>One module tested in one run.</summary>
public sealed record HistoryEntry(
    long RunId, DateTimeOffset Started, string? Station, string Rig, string? Operator, string Module, string? Imei, string? Iccid,
    string? Firmware, string? Bsp, string? BootId, string? AgentVersion, string Verdict, int Passed, int Failed, int KnownDeviations,
    int Scenarios, double DurationSeconds, string? Error, string? Report);

public enum YieldBy { Station, Firmware, Scenario }

public sealed record YieldQuery(DateTimeOffset? Since = null, string? Station = null, YieldBy By = YieldBy.Station);

/// <summary>Modules (or, by scenario, scenario runs) tested and passed in one group; passed means green (<see cref="Verdicts.IsSuccess"/>).</summary>
public sealed record YieldRow(string Key, int Tested, int Passed, int DistinctModules)
{
    public int Failed => Tested - Passed;
    public double YieldPercent => Tested == 0 ? 0 : 100.0 * Passed / Tested;
}

/// <summary>What `air780 run --only-failed` runs again: per module name, the scenario ids that were not green ("*" when the module never ran).</summary>
public sealed record RetestPlan(long RunId, string Rig, IReadOnlyDictionary<string, IReadOnlyList<string>> Failed)
{
    public const string WholeModule = "*";

    /// <summary>The same, read off a run's results.json.</summary>
    public static RetestPlan Of(RunResult run, long runId = 0) => new(runId, run.Rig,
        run.Modules.Where(m => !m.Verdict.IsSuccess()).ToDictionary(m => m.Name,
            m => (IReadOnlyList<string>)(m.Error is not null || m.Scenarios.Count == 0
                ? [WholeModule]
                : m.Scenarios.Where(s => !s.Verdict.IsSuccess()).Select(s => s.Id).ToList())));
}
