using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Air780Bridge.Results;
using Air780Bridge.Rigs.Results;
using Spectre.Console;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 yield`: modules tested and passed, by station, firmware or scenario.</summary>
internal static partial class YieldCommand
{
    public static Command Create()
    {
        var since = new Option<string?>("--since") { Description = "only runs started in this window: 7d, 12h, 30m, or a date (2026-11-01)" };
        var station = new Option<string?>("--station") { Description = "only this station's runs" };
        var by = new Option<YieldBy>("--by") { Description = "group by station, firmware or scenario (scenario counts each scenario run)", DefaultValueFactory = _ => YieldBy.Station };
        var store = ResultsOptions.Store();
        var json = ResultsOptions.Json();
        var command = new Command("yield", "Yield: modules tested, passed and failed, per station, firmware or scenario") { since, station, by, store, json };
        command.SetAction((result, ct) => ExitCodes.Guard(async () =>
        {
            var query = new YieldQuery(ParseSince(result.GetValue(since), DateTimeOffset.UtcNow), result.GetValue(station), result.GetValue(by));
            await using var results = await ResultsCommand.OpenAsync(ResultsOptions.Resolve(result.GetValue(store)), ct);
            var rows = await results.YieldAsync(query, ct);
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => new YieldOutput(r.Key, r.Tested, r.Passed, r.Failed, r.DistinctModules, Math.Round(r.YieldPercent, 2))).ToList(), CliJson.Results.For<List<YieldOutput>>()));
            else
                Print(rows, query, results.Location);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>"7d", "12h", "30m" before <paramref name="now"/>, or an ISO date/time; null when absent.</summary>
    public static DateTimeOffset? ParseSince(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (Window().Match(text.Trim()) is { Success: true } m)
        {
            var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return now - (m.Groups[2].Value switch { "d" => TimeSpan.FromDays(n), "h" => TimeSpan.FromHours(n), "w" => TimeSpan.FromDays(7 * n), _ => TimeSpan.FromMinutes(n) });
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at;
        throw new FormatException($"--since {text}: write a window such as 7d, 12h, 30m, 2w or a date such as 2026-11-01");
    }

    [GeneratedRegex("^([0-9]+)([dhmw])$")]
    private static partial Regex Window();

    private static void Print(IReadOnlyList<YieldRow> rows, YieldQuery query, StoreLocation location)
    {
        var table = new Table().AddColumns(query.By.ToString().ToLowerInvariant(), query.By == YieldBy.Scenario ? "runs" : "tested", "passed", "failed", "yield", "modules (IMEIs)");
        foreach (var r in rows)
        {
            var percent = r.YieldPercent.ToString("0.0", CultureInfo.InvariantCulture) + " %";
            table.AddRow(Markup.Escape(r.Key), r.Tested.ToString(), r.Passed.ToString(), r.Failed.ToString(),
                r.Failed == 0 ? $"[green]{percent}[/]" : $"[red]{percent}[/]", r.DistinctModules.ToString());
        }
        var tested = rows.Sum(r => r.Tested);
        var passed = rows.Sum(r => r.Passed);
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"{passed}/{tested} passed{(query.Since is { } s ? $" since {s.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "")}" +
                              $"{(query.Station is { } st ? $" on station {st}" : "")} in {location.Display}");
    }
}

/// <summary>One row of `yield --json`; other tools parse it: add fields, never rename.</summary>
internal sealed record YieldOutput(string Key, int Tested, int Passed, int Failed, int DistinctModules, double YieldPercent);
