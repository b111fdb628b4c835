using System.CommandLine;
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
        var command = new Command("run", "Run the conformance suite on every module of a rig, in parallel; exit 1 when anything failed") { rigPath, output };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            RigFile rig;
            try
            {
                rig = RigFile.Load(result.GetValue(rigPath)!, new RigLoadOptions { KnownSuites = Air780Bridge.Rigs.Conformance.ConformanceSuite.Suites });
            }
            catch (RigFileException e)
            {
                foreach (var error in e.Errors)
                    Console.Error.WriteLine(error);
                return ExitCodes.Usage;
            }
            var runner = new RigRunner(rig, twins(), Log.Logger);
            var (run, dir) = await runner.RunAsync(result.GetValue(output), (plan, body) => RunProgress.RunAsync(plan, body), ct);
            var paths = ReportWriter.In(dir);
            var counts = run.Counts;
            Console.WriteLine($"{VerdictText.Word(run.Verdict)}: {counts.Pass} passed, {counts.Fail} failed, {counts.KnownDeviation} known deviations, " +
                              $"{counts.Inconclusive} inconclusive, {counts.Skipped} skipped, {counts.Error} errors in {VerdictText.Duration(run.Duration)}");
            foreach (var format in ReportWriter.Formats)
                Console.WriteLine($"{format.FileName,-15} {paths.Files[format.FileName]}");
            return run.Verdict.IsSuccess() ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }
}
