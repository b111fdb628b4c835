using System.Diagnostics;
using System.Text.Json;
using Air780Bridge.Tests;

namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>One check's verdict as `air780 check --json` prints it; <paramref name="Expected"/>: named by --require (or --strict).</summary>
public sealed record Outcome(string Id, string Verdict, string Explanation, IReadOnlyList<string> Measured, bool Expected);

/// <summary>The built `air780 check` run as a child process, exactly as a CI job runs it.</summary>
public static class Air780Check
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "air780.dll");

    public static async Task<Verdicts> RunAsync(string timeline, IReadOnlyList<string> options)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var a in (string[])[Dll, "check", timeline, "--json", .. options]) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start air780");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(CorpusSession.Timeout);
        await process.WaitForExitAsync(cts.Token);
        var command = $"air780 check {timeline} --json {string.Join(' ', options)}";
        var output = await stdout;
        // 0 = nothing failed, 1 = a check failed; anything else is bad input, which no corpus trace may be.
        Assert.True(process.ExitCode is 0 or 1, $"`{command}` exited {process.ExitCode}: {await stderr}\n{output}");
        var verdicts = new Verdicts(Parse(output, command), command, await File.ReadAllLinesAsync(timeline));
        // Exit 1 exactly when a check failed or a --require'd check was not judged.
        Assert.True((process.ExitCode == 1) == (verdicts.Failed.Count > 0 || verdicts.Unjudged.Count > 0),
            $"`{command}` exit code {process.ExitCode} disagrees with its verdicts ({verdicts.Failed.Count} Fail, {verdicts.Unjudged.Count} required but Inconclusive)\n{output}");
        return verdicts;
    }

    /// <summary>Reads the results array; `--json` output that wraps it in an object keeps it under "results" or "checks".</summary>
    private static IReadOnlyList<Outcome> Parse(string json, string command)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var results = root.ValueKind == JsonValueKind.Array ? root
            : root.TryGetProperty("results", out var r) ? r
            : root.TryGetProperty("checks", out var c) ? c
            : throw new FormatException($"`{command}` printed JSON without a results array: {json}");
        return results.EnumerateArray().Select(e => new Outcome(
            e.GetProperty("id").GetString()!,
            e.GetProperty("verdict").GetString()!,
            e.TryGetProperty("explanation", out var x) ? x.GetString() ?? "" : "",
            e.TryGetProperty("measured", out var m) && m.ValueKind == JsonValueKind.Array ? m.EnumerateArray().Select(v => v.ToString()).ToList() : [],
            e.TryGetProperty("expected", out var x2) && x2.ValueKind == JsonValueKind.True)).ToList();
    }
}
