using System.CommandLine;
using System.Text.Json;
using Air780Bridge.Results;
using Air780Bridge.Rigs.Results;
using Spectre.Console;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 history --imei X`: every test of one module, newest first.</summary>
internal static class HistoryCommand
{
    public static Command Create()
    {
        var imei = new Option<string?>("--imei") { Description = "the module's IMEI" };
        var iccid = new Option<string?>("--iccid") { Description = "the SIM's ICCID (instead of --imei)" };
        var store = ResultsOptions.Store();
        var json = ResultsOptions.Json();
        var command = new Command("history", "Every test of one module, by IMEI or ICCID; exit 1 when it was never tested") { imei, iccid, store, json };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            if (result.GetValue(imei) is null == result.GetValue(iccid) is null)
                throw new ArgumentException("give exactly one of --imei or --iccid");
            await using var results = await ResultsCommand.OpenAsync(ResultsOptions.Resolve(result.GetValue(store)), ct);
            var rows = await results.HistoryAsync(new HistoryQuery(result.GetValue(imei), result.GetValue(iccid)), ct);
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(rows, CliJson.Results.For<IReadOnlyList<HistoryEntry>>()));
            else
                Print(rows, result.GetValue(imei) ?? result.GetValue(iccid)!, results.Location);
            return rows.Count > 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }

    private static void Print(IReadOnlyList<HistoryEntry> rows, string who, StoreLocation location)
    {
        if (rows.Count == 0)
        {
            Console.Error.WriteLine($"{who}: never tested according to {location.Display}");
            return;
        }
        // The columns an operator scans; boot id, BSP, agent and timings are in --json.
        var table = new Table().AddColumns("run", "started (UTC)", "station", "rig", "firmware", "ICCID", "verdict", "pass", "fail", "dev");
        foreach (var r in rows)
            table.AddRow(r.RunId.ToString(), r.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm"), Markup.Escape(r.Station ?? ""), Markup.Escape(r.Rig),
                Markup.Escape(r.Firmware ?? ""), Markup.Escape(r.Iccid ?? ""), VerdictMarkup(r.Verdict, r.Error), r.Passed.ToString(), r.Failed.ToString(),
                r.KnownDeviations.ToString());
        AnsiConsole.Write(table);
        foreach (var r in rows.Where(r => r.Report is not null))
            Console.WriteLine($"run {r.RunId}: {r.Report}");
        AnsiConsole.WriteLine($"{rows.Count} tests of {who} in {location.Display}");
    }

    private static string VerdictMarkup(string verdict, string? error)
    {
        var green = Enum.TryParse<Verdict>(verdict, out var v) && v.IsSuccess();
        var text = Markup.Escape(Enum.TryParse(verdict, out v) ? VerdictText.Word(v) : verdict) + (error is null ? "" : ": " + Markup.Escape(error));
        return green ? $"[green]{text}[/]" : $"[red]{text}[/]";
    }
}
