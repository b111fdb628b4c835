using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;
using Spectre.Console;
using TimelineFile = Air780Bridge.Harness.Timeline.Timeline;

namespace Air780Bridge.Cli.Commands;

/// <summary>`air780 check`: judges a recorded wire timeline against the behaviour catalogue (docs/checks.md).</summary>
internal static class CheckCommand
{
    private static readonly JsonSerializerOptions Json = new(TimelineFile.JsonOptions)
    {
        WriteIndented = true,
        // Output goes to a terminal or a file, not into HTML: keep "§" and "+" readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = CheckJson.Default,
    };

    public static Command Create()
    {
        var timeline = new Argument<FileInfo>("timeline") { Description = "timeline JSON-lines file written by the harness tap" };
        var expect = new Option<FileInfo?>("--expect") { Description = "expectation JSON (clientId, username, passwordSet, cleanSession, keepAliveSeconds, will{topic,qos,retain,payloadSize}, autoReconnectMs, profile, subscribeTopics)" };
        var json = new Option<bool>("--json") { Description = "print results as JSON instead of a table" };
        var keepalive = new Option<int?>("--keepalive") { Description = "configured keepalive in seconds (overrides --expect)" };
        var clientId = new Option<string?>("--client-id") { Description = "configured client id (overrides --expect)" };
        var autoreconn = new Option<int?>("--autoreconn") { Description = "configured autoreconn period in ms (overrides --expect)" };
        var profile = new Option<string?>("--profile") { Description = "firmware profile, e.g. V1120 or V2028 (overrides --expect)" };
        var module = new Option<string?>("--module") { Description = "judge this module's events (API calls, Lua events) when the timeline holds several, e.g. a rig run's" };
        var strict = new Option<bool>("--strict") { Description = "an expected rule that comes out Inconclusive fails the run (exit 1); every check is expected unless --require names them" };
        var require = new Option<string[]>("--require") { Description = "check id(s) the trace must exercise, e.g. --require keepalive.limit --require packet-id.non-zero; one Inconclusive fails the run", AllowMultipleArgumentsPerToken = true };

        // Out-of-range values are usage errors (exit 2), never a spurious Fail.
        keepalive.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is { } v && CheckExpectation.KeepAliveProblem(v) is { } p) r.AddError($"--keepalive {v}: {p}."); });
        autoreconn.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is { } v && CheckExpectation.AutoReconnectProblem(v) is { } p) r.AddError($"--autoreconn {v}: {p}."); });
        profile.Validators.Add(r => { if (r.GetValueOrDefault<string?>() is { } v && CheckExpectation.ProfileProblem(v) is { } p) r.AddError($"--profile {v}: {p}."); });

        var command = new Command("check", "Judge a recorded MQTT wire timeline against the behaviour checks; exit 0 nothing failed, 1 a check failed, 2 bad input");
        command.Arguments.Add(timeline);
        foreach (var option in new Option[] { expect, json, keepalive, clientId, autoreconn, profile, module, strict, require }) command.Options.Add(option);

        command.SetAction(parseResult => ExitCodes.Guard(async () =>
        {
            var file = parseResult.GetValue(timeline)!;
            if (!file.Exists) throw new FileNotFoundException($"timeline file {file.FullName} not found; pass the .jsonl the tap saved");
            var all = (await TimelineFile.LoadAsync(file.FullName)).Snapshot();
            if (all.Count == 0) throw new FormatException($"{file.FullName}: no timeline entries; record a session first (one JSON object per line)");
            var moduleName = parseResult.GetValue(module);
            var entries = Wire.ForModule(all, moduleName, parseResult.GetValue(clientId), out var modules);
            if (moduleName is not null && !modules.Contains(moduleName))
                throw new ArgumentException($"--module {moduleName}: the timeline has no events of that module; it has: {(modules.Count == 0 ? "none" : string.Join(", ", modules))}");
            if (moduleName is null && modules.Count > 1)
                Console.Error.WriteLine($"note: module-side events of {string.Join(", ", modules)} are left out; pass --module NAME to judge one module's events with the wire");

            var expectation = await LoadExpectation(parseResult.GetValue(expect));
            expectation = expectation with
            {
                KeepAliveSeconds = parseResult.GetValue(keepalive) ?? expectation.KeepAliveSeconds,
                ClientId = parseResult.GetValue(clientId) ?? expectation.ClientId,
                AutoReconnectMs = parseResult.GetValue(autoreconn) ?? expectation.AutoReconnectMs,
                Profile = parseResult.GetValue(profile) ?? expectation.Profile,
            };
            expectation.Validate();

            var required = parseResult.GetValue(require) ?? [];
            if (required.FirstOrDefault(id => CheckCatalogue.Find(id) is null) is { } unknown)
                throw new ArgumentException($"--require {unknown}: no such check; the checks are: {string.Join(", ", CheckCatalogue.All.Select(c => c.Id))}");
            var results = CheckCatalogue.Run(new CheckContext(entries, expectation));
            // Every check is expected under --strict; --require narrows (and implies) it to the named ones.
            bool Expected(CheckResult r) => required.Length > 0 ? required.Contains(r.Id) : parseResult.GetValue(strict);
            if (parseResult.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(results.Select(r => Output.Of(r, Expected(r))).ToList(), Json.For<List<Output>>()));
            else Print(results);
            var unjudged = results.Where(r => r.Verdict == CheckVerdict.Inconclusive && Expected(r)).ToList();
            foreach (var r in unjudged)
                Console.Error.WriteLine($"strict: expected rule {r.Id} was not judged: {r.Explanation}");
            return results.Any(r => r.Verdict == CheckVerdict.Fail) || unjudged.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// One object of `--json` output (docs/checks.md): the check's result as before, plus the MQTT 3.1.1 statement
    /// ids it judges and whether the run expected it to be judged (--strict, --require). Other tools parse this:
    /// add fields, never rename.
    /// </summary>
    internal sealed record Output(
        string Id, string Title, string Statement, string Source, CheckVerdict Verdict, CheckSubject Subject, IReadOnlyList<string> Measured, string Allowed,
        CheckTiming? Timing, string Explanation, IReadOnlyList<TimelineEntry> Evidence, IReadOnlyList<string> Statements, bool Expected)
    {
        public static Output Of(CheckResult r, bool expected) =>
            new(r.Id, r.Title, r.Statement, r.Source, r.Verdict, r.Subject, r.Measured, r.Allowed, r.Timing, r.Explanation, r.Evidence, r.Statements, expected);
    }

    private static async Task<CheckExpectation> LoadExpectation(FileInfo? file)
    {
        if (file is null) return new CheckExpectation();
        if (!file.Exists) throw new FileNotFoundException($"expectation file {file.FullName} not found; omit --expect or pass a JSON object");
        try
        {
            return JsonSerializer.Deserialize(await File.ReadAllTextAsync(file.FullName), Json.For<CheckExpectation>())
                   ?? throw new FormatException($"{file.FullName}: is JSON null; expected an object such as {{\"clientId\":\"mod\",\"keepAliveSeconds\":60}}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{file.FullName}: line {e.LineNumber + 1}: not an expectation ({e.Message}); expected an object such as {{\"clientId\":\"mod\",\"keepAliveSeconds\":60}}", e);
        }
    }

    private static void Print(IReadOnlyList<CheckResult> results)
    {
        if (Console.IsOutputRedirected)
        {
            // A table squeezed to 80 columns is unreadable in a log: one block per check instead.
            foreach (var r in results)
            {
                Console.WriteLine($"{r.Verdict,-14} {r.Id}  ({r.Source})");
                Console.WriteLine($"{"",-14} {r.Explanation}");
                if (r.Measured.Count > 0) Console.WriteLine($"{"",-14} measured: {string.Join("; ", r.Measured)}  allowed: {r.Allowed}");
            }
            Console.WriteLine(string.Join(", ", results.GroupBy(r => r.Verdict).Select(g => $"{g.Count()} {g.Key}")));
            return;
        }
        var table = new Table().AddColumns("verdict", "check", "source", "measured", "allowed", "why").Border(TableBorder.Rounded);
        foreach (var r in results)
        {
            var colour = r.Verdict switch
            {
                CheckVerdict.Pass => "green",
                CheckVerdict.Fail => "red",
                CheckVerdict.KnownDeviation => "yellow",
                _ => "grey",
            };
            table.AddRow($"[{colour}]{r.Verdict}[/]", Markup.Escape(r.Id), Markup.Escape(r.Source),
                Markup.Escape(string.Join("\n", r.Measured)), Markup.Escape(r.Allowed), Markup.Escape(r.Explanation));
        }
        AnsiConsole.Write(table);
        var counts = results.GroupBy(r => r.Verdict).Select(g => $"{g.Count()} {g.Key}");
        AnsiConsole.MarkupLine(Markup.Escape(string.Join(", ", counts)));
    }
}

/// <summary>Enums as words (verdict, subject).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(List<CheckCommand.Output>))]
[JsonSerializable(typeof(CheckExpectation))]
internal sealed partial class CheckJson : JsonSerializerContext;
