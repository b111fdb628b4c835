using System.CommandLine;
using System.Net;
using Air780Bridge.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Rigs.Run;
using Air780Bridge.Station;
using Air780Bridge.Twin.Link;
using Serilog;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 station RIG`: a production station; each module of the rig is a slot modules are plugged into one after another.</summary>
internal static class StationCommand
{
    public static Command Create(Func<IVirtualModuleLauncher?> twins)
    {
        var rigPath = new Argument<string>("rig") { Description = "rig file; each module is a slot (its imei is ignored: the HELLO says which module is plugged in)" };
        var output = new Option<string?>("--output") { Description = "folder for the reports, one subfolder per tested module (default: the rig's \"output\")" };
        var bind = new Option<string>("--bind") { Description = "address the operator page listens on; keep loopback unless the page must be seen from another PC", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "operator page port (0 picks a free one)", DefaultValueFactory = _ => OperatorPage.DefaultPort };
        var noPage = new Option<bool>("--no-page") { Description = "no operator page; results are printed only" };
        var stopped = new Option<bool>("--stopped") { Description = "start stopped: slots wait for Start on the page" };
        var store = ResultsOptions.Store();
        var station = ResultsOptions.Station();
        var @operator = ResultsOptions.Operator();
        var command = new Command("station", "Work a test station: test each module as it is plugged into a slot, store the result, wait for the next (Ctrl+C ends)")
        {
            rigPath, output, bind, port, noPage, stopped, store, station, @operator,
        };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            if (!RigArgument.TryLoad(result.GetValue(rigPath)!, out var rig))
                return ExitCodes.Usage;
            var outputRoot = Path.GetFullPath(result.GetValue(output) ?? rig.ResolveOutput(DateTimeOffset.UtcNow));
            using var feeder = TwinSlots(ref rig, outputRoot);
            var options = new StationOptions
            {
                Station = ResultsOptions.StationName(result.GetValue(station)) ?? Environment.MachineName,
                Operator = result.GetValue(@operator) ?? Environment.UserName,
                OutputRoot = outputRoot,
                Store = ResultsOptions.Resolve(result.GetValue(store), StoreLocation.DefaultFolderOf(outputRoot)),
                StartRunning = !result.GetValue(stopped),
            };
            var runner = new StationRunner(rig, options, twins(), Log.Logger);
            runner.SlotChanged += Print;
            if (OperatingSystem.IsLinux())
                feeder?.Attach(runner);
            await using var page = result.GetValue(noPage) ? null
                : await OperatorPage.StartAsync(runner, IPAddress.Parse(result.GetValue(bind)!), result.GetValue(port), ct);
            Console.WriteLine($"station {options.Station}: {rig.Modules.Count} slots of rig {runner.Rig}; reports in {outputRoot}; results in {options.Store.Display}");
            if (page is not null)
                Console.WriteLine($"operator page: {page.Address}");
            await runner.RunAsync(ct);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>twin: slots get a pty path and a new twin (new IMEI) after each result, standing in for an operator swapping modules.</summary>
    private static TwinFeeder? TwinSlots(ref RigFile rig, string outputRoot)
    {
        if (rig.Modules.All(m => m.Endpoint.Kind != ConnectionKind.Twin))
            return null;
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("twin: slots of a station need Linux pseudo-terminals; give the slots serial:// ports");
        var feeder = new TwinFeeder(rig, Path.Combine(PtyLink.DefaultDirectory, "station-" + Path.GetFileName(outputRoot)));
        rig = feeder.Rig;
        return feeder;
    }

    private static void Print(SlotView slot)
    {
        if (slot is { State: SlotState.RemoveModule, Last: { } last })
            Console.WriteLine($"{slot.Name}: {last.Word} IMEI {last.Imei ?? "(none)"} {last.Counts.Pass} passed, {last.Counts.Fail + last.Counts.Error} failed" +
                              $"{(last.Error is null ? "" : ": " + last.Error)}; report {last.Report}{(last.StoreError is null ? "" : "; NOT STORED: " + last.StoreError)}");
    }
}
