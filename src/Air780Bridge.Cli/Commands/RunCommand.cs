using System.CommandLine;
using Air780Bridge.Results;
using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Serilog;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 run RIG`: the conformance suite on every module of a rig; JUnit, JSON and HTML results.</summary>
internal static class RunCommand
{
    public static Command Create(Func<IVirtualModuleLauncher?> twins)
    {
        var rigPath = new Argument<string>("rig") { Description = "rig file, e.g. rigs/twin.json (virtual modules, embedded broker)" };
        var output = new Option<string?>("--output") { Description = "report folder (default: the rig's \"output\", artifacts/runs/{rig}-{time})" };
        var scenario = new Option<string[]>("--scenario") { Description = "only scenarios whose id matches one of these patterns ('*', '?'), e.g. keepalive.* (repeatable)" };
        var module = new Option<string[]>("--module") { Description = "only these modules of the rig (repeatable)" };
        var onlyFailed = new Option<string?>("--only-failed")
        {
            Description = "run again only what was not green in RUN: a run folder, a stored run id, or (without RUN) the rig's newest stored run",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "RUN",
        };
        var store = ResultsOptions.Store();
        var station = ResultsOptions.Station();
        var @operator = ResultsOptions.Operator();
        var command = new Command("run", "Run the conformance suite on every module of a rig, in parallel; exit 1 when anything failed")
        {
            rigPath, output, scenario, module, onlyFailed, store, station, @operator,
        };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            if (!RigArgument.TryLoad(result.GetValue(rigPath)!, out var rig))
                return ExitCodes.Usage;
            var storeOption = result.GetValue(store);
            var retest = result.GetResult(onlyFailed) is null ? null
                : await RunSelection.FailedAsync(rig, result.GetValue(onlyFailed), ResultsOptions.Resolve(storeOption, RunSelection.StoreFolder(rig, result.GetValue(output))), ct);
            if (retest is { Failed.Count: 0 })
            {
                Console.WriteLine($"nothing failed in run {retest.RunId} of {retest.Rig}: nothing to run again");
                return ExitCodes.Ok;
            }
            rig = RunSelection.Narrow(rig, result.GetValue(module) ?? [], result.GetValue(scenario) ?? [], retest);
            using var locks = RunSelection.LockPorts(rig);
            var runner = new RigRunner(rig, twins(), Log.Logger);
            var (run, dir) = await runner.RunAsync(result.GetValue(output), (plan, body) => RunProgress.RunAsync(plan, body), ct);
            run = ResultRecorder.Stamp(run, ResultsOptions.StationName(result.GetValue(station)), result.GetValue(@operator));
            var paths = ReportWriter.WriteAll(run, dir);
            var saved = await ResultRecorder.TryStoreAsync(ResultsOptions.Resolve(storeOption, StoreLocation.DefaultFolderOf(dir)), run, dir, Console.Error.WriteLine, CancellationToken.None);
            var counts = run.Counts;
            Console.WriteLine($"{VerdictText.Word(run.Verdict)}: {counts.Pass} passed, {counts.Fail} failed, {counts.KnownDeviation} known deviations, " +
                              $"{counts.Skipped} skipped, {counts.Error} errors in {VerdictText.Duration(run.Duration)}");
            Console.WriteLine($"report: {paths.Html}\njunit:  {paths.JUnit}\njson:   {paths.Json}\nwire:   {Path.Combine(dir, "timeline.jsonl")}");
            if (saved is not null)
                Console.WriteLine($"stored: run {saved.Id}");
            return run.Verdict.IsSuccess() ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }
}
