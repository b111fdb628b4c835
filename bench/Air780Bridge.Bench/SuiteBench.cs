using System.Diagnostics;
using System.Globalization;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Serilog;

namespace Air780Bridge.Bench;

/// <summary>
/// Issue 13: the wall time of a conformance run (`air780 run RIG`, in this process: harness, twins, every selected
/// scenario, the reports) with each module's scenarios side by side as the rig asks, then one at a time
/// (scenarioParallelism 1, the old way), against the protocol floor the scenarios' declared fixed waits give
/// (<see cref="RigRunner.ProtocolFloor"/>). Both runs must give every scenario the same verdict.
/// Targets: side by side within <c>--target-ratio</c> (1.2) of the floor and under <c>--target-s</c> (30 s).
/// </summary>
internal static class SuiteBench
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var path = args.Text("rig", Path.Combine("rigs", "twin.json"));
        var targetRatio = args.Double("target-ratio", 1.2);
        var targetSeconds = args.Double("target-s", 30);
        var sequential = args.Text("sequential", "yes") != "no";
        args.RejectUnknown();
        var rig = RigFile.Load(path, new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        var floor = new RigRunner(rig, new TwinLauncher(), Serilog.Core.Logger.None).ProtocolFloor();
        Console.WriteLine($"suite: {path}, {rig.Modules.Count} modules ({rig.Parallelism} at once), scenarioParallelism {rig.ScenarioParallelism}; {BenchSupport.Machine()}");
        Console.WriteLine($"  load average before: {LoadAverage()}");

        var together = await TimeRunAsync(rig);
        var alone = sequential ? await TimeRunAsync(rig with { ScenarioParallelism = 1 }) : null;

        Console.WriteLine();
        Console.WriteLine($"  {"run",-28} {"wall s",7} {"x floor",8} {"scenarios",9}  verdicts");
        Console.WriteLine($"  {"protocol floor",-28} {floor.TotalSeconds,7:0.0} {1,8:0.00}");
        Row($"side by side ({rig.ScenarioParallelism} per module)", together);
        if (alone is not null) Row("one at a time", alone);
        if (alone is not null)
            Console.WriteLine($"  side by side / one at a time: {together.Wall / alone.Wall:0.00}");
        Console.WriteLine($"  load average after: {LoadAverage()}");

        var ratio = together.Wall / floor;
        var differ = alone is null ? [] : Differences(together.Result, alone.Result);
        foreach (var d in differ)
            Console.WriteLine($"  verdict differs: {d}");
        var pass = ratio <= targetRatio && together.Wall.TotalSeconds < targetSeconds && differ.Count == 0;
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: side by side {together.Wall.TotalSeconds:0.0} s = {ratio:0.00} x the {floor.TotalSeconds:0.0} s floor " +
                          $"(target <= {targetRatio:0.##} x and < {targetSeconds:0} s){(alone is null ? "" : differ.Count == 0 ? "; same verdict per scenario and module both ways" : $"; {differ.Count} verdict(s) differ")}");
        return pass ? 0 : 1;

        void Row(string name, Timed t) =>
            Console.WriteLine($"  {name,-28} {t.Wall.TotalSeconds,7:0.0} {t.Wall / floor,8:0.00} {t.Result.Modules.Sum(m => m.Scenarios.Count),9}  {Tally(t.Result)}");
    }

    private sealed record Timed(TimeSpan Wall, RunResult Result);

    private static async Task<Timed> TimeRunAsync(RigFile rig)
    {
        var output = Directory.CreateTempSubdirectory("air780-bench-suite-");
        try
        {
            var runner = new RigRunner(rig, new TwinLauncher(), Serilog.Core.Logger.None);
            var watch = Stopwatch.StartNew();
            var (result, _) = await runner.RunAsync(output.FullName, (plan, body) => RunProgress.RunAsync(plan, body, plainOutput: TextWriter.Null), CancellationToken.None);
            return new Timed(watch.Elapsed, result);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string Tally(RunResult r) =>
        string.Join(", ", r.Modules.SelectMany(m => m.Scenarios).GroupBy(s => s.Verdict).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));

    private static List<string> Differences(RunResult a, RunResult b)
    {
        var before = b.Modules.SelectMany(m => m.Scenarios.Select(s => (Key: (m.Name, s.Id), s.Verdict))).ToDictionary(x => x.Key, x => x.Verdict);
        return a.Modules.SelectMany(m => m.Scenarios.Select(s => (m.Name, s.Id, s.Verdict, s.Message)))
            .Where(x => !before.TryGetValue((x.Name, x.Id), out var v) || v != x.Verdict)
            .Select(x => $"{x.Name} {x.Id}: side by side {x.Verdict} ({x.Message}), one at a time {(before.TryGetValue((x.Name, x.Id), out var v) ? v.ToString() : "not run")}")
            .ToList();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
