using System.CommandLine;
using Air780Bridge.Rigs.Progress;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Air780Bridge.Twin;
using Serilog;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 run RIG`: the conformance suite on every module of a rig; JUnit, JSON and HTML results.</summary>
internal static class RunCommand
{
    public static Command Create(Func<AgentScripts, IVirtualModuleLauncher?> twins)
    {
        var rigPath = new Argument<string>("rig")
        {
            Description = $"rig file (e.g. rigs/factory-8.json) or a built-in rig: {string.Join(", ", BuiltInRigs.Names)} (four virtual modules on the embedded broker)",
        };
        var agent = AgentOption.Create();
        var output = new Option<string?>("--output") { Description = "report folder (default: the rig's \"output\", artifacts/runs/{rig}-{time})" };
        var command = new Command("run", "Run the conformance suite on every module of a rig, in parallel; exit 1 when anything failed") { rigPath, output, agent };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            var scripts = AgentOption.Resolve(result, agent);
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
            var runner = new RigRunner(rig, twins(scripts), Log.Logger);
            var (run, dir) = await runner.RunAsync(result.GetValue(output), (plan, body) => RunProgress.RunAsync(plan, body), ct);
            var paths = ReportWriter.WriteAll(run, dir);
            var counts = run.Counts;
            Console.WriteLine($"{VerdictText.Word(run.Verdict)}: {counts.Pass} passed, {counts.Fail} failed, {counts.KnownDeviation} known deviations, " +
                              $"{counts.Skipped} skipped, {counts.Error} errors in {VerdictText.Duration(run.Duration)}");
            Console.WriteLine($"report: {paths.Html}\njunit:  {paths.JUnit}\njson:   {paths.Json}\nwire:   {Path.Combine(dir, "timeline.jsonl")}");
            return run.Verdict.IsSuccess() ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }
}
