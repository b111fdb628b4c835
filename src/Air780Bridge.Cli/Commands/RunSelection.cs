using Air780Bridge.Results;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Station;

namespace Air780Bridge.Cli.Commands;

/// <summary>
/// `air780 run --module/--scenario/--only-failed`: the rig narrowed to what is asked, within what the rig
/// selects. Each kept module gets the exact scenario ids to run as its suite override, so the run itself
/// (RigRunner) is unchanged.
/// </summary>
internal static class RunSelection
{
    public static RigFile Narrow(RigFile rig, IReadOnlyList<string> modules, IReadOnlyList<string> scenarios, RetestPlan? failed)
    {
        if (modules.Count == 0 && scenarios.Count == 0 && failed is null)
            return rig;
        var unknown = modules.Where(n => rig.Modules.All(m => m.Name != n)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"--module {string.Join(", ", unknown)}: not in rig {rig.Name}; it has {string.Join(", ", rig.Modules.Select(m => m.Name))}");
        var kept = new List<RigModule>();
        foreach (var module in rig.Modules)
        {
            if (modules.Count > 0 && !modules.Contains(module.Name))
                continue;
            IReadOnlyList<string>? again = null;
            if (failed is not null && !failed.Failed.TryGetValue(module.Name, out again))
                continue;
            var ids = ConformanceSuite.All
                .Where(s => rig.Selects(module, s.Suite, s.Id))
                .Where(s => scenarios.Count == 0 || scenarios.Any(p => Glob.IsMatch(p, s.Id)))
                .Where(s => again is null || again.Contains(RetestPlan.WholeModule) || again.Contains(s.Id))
                .Select(s => s.Id).ToList();
            if (ids.Count > 0)
                kept.Add(module with { Overrides = (module.Overrides ?? new ModuleOverrides()) with { Suites = [new RigSuite { Name = "*", Include = ids }], Exclude = null } });
        }
        if (kept.Count == 0)
            throw new ArgumentException(failed is { Failed.Count: 0 }
                ? $"nothing failed in run {failed.RunId}: there is nothing to run again"
                : "the filters select no scenario on any module; `air780 run` without them lists what the rig runs");
        return rig with { Modules = kept };
    }

    /// <summary>What --only-failed [RUN] runs again: RUN as a run folder or results.json, a stored run id, or the rig's newest stored run.</summary>
    public static async Task<RetestPlan> FailedAsync(RigFile rig, string? run, StoreLocation location, CancellationToken ct)
    {
        if (run is not null && (Directory.Exists(run) || File.Exists(run)))
        {
            var json = Directory.Exists(run) ? Path.Combine(run, ReportWriter.JsonFile) : run;
            if (!File.Exists(json))
                throw new FileNotFoundException($"--only-failed {run}: no {ReportWriter.JsonFile} in it; pass a run folder");
            return RetestPlan.Of(ResultJson.Deserialize(await File.ReadAllTextAsync(json, ct)));
        }
        long? id = null;
        if (run is not null)
            id = long.TryParse(run, out var n) ? n : throw new ArgumentException($"--only-failed {run}: neither a run folder nor a stored run id");
        await using var store = await ResultsCommand.OpenAsync(location, ct);
        var rigName = rig.Name ?? "rig";
        return await store.FailedOfAsync(id, rigName, ct)
               ?? throw new ArgumentException(id is null
                   ? $"--only-failed: {location.Display} holds no run of rig {rigName}; pass the run folder instead"
                   : $"--only-failed {id}: {location.Display} has no run {id}");
    }

    /// <summary>Where the default store of a run of <paramref name="rig"/> lives: next to its run folders.</summary>
    public static string StoreFolder(RigFile rig, string? output) =>
        StoreLocation.DefaultFolderOf(output ?? rig.ResolveOutput(DateTimeOffset.UtcNow));

    /// <summary>Takes the lock of every module port of the rig; a port another process holds stops the run before it starts, naming the holder.</summary>
    public static IDisposable LockPorts(RigFile rig)
    {
        var held = new List<PortLock>();
        foreach (var module in rig.Modules.Where(m => m.Endpoint.Kind != ConnectionKind.Twin))
        {
            if (PortLock.TryAcquire(module.Connection, $"air780 run {rig.Name} module {module.Name}", out var holder) is { } taken)
            {
                held.Add(taken);
                continue;
            }
            held.ForEach(l => l.Dispose());
            throw new InvalidOperationException($"module {module.Name}: port {module.Connection} is in use by {holder}; wait for it to finish or stop it");
        }
        return new Locks(held);
    }

    private sealed class Locks(List<PortLock> held) : IDisposable
    {
        public void Dispose() => held.ForEach(l => l.Dispose());
    }
}
