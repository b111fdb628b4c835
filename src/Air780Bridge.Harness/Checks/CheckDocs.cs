using System.Text;

namespace Air780Bridge.Harness.Checks;

/// <summary>
/// The generated part of docs/checks.md: the check table and the MQTT 3.1.1 coverage table, both read off
/// <see cref="CheckCatalogue"/> and <see cref="SpecStatements"/> so the document cannot drift from the code.
/// </summary>
public static class CheckDocs
{
    public const string Begin = "<!-- BEGIN GENERATED from CheckCatalogue and mqtt-3.1.1-statements.json; do not edit by hand -->";
    public const string End = "<!-- END GENERATED -->";

    /// <summary><paramref name="document"/> with its generated section replaced (appended when it has none).</summary>
    public static string Update(string document)
    {
        var start = document.IndexOf(Begin, StringComparison.Ordinal);
        var stop = document.IndexOf(End, StringComparison.Ordinal);
        var head = start < 0 ? document.TrimEnd() + "\n\n" : document[..start];
        var tail = stop < 0 ? "\n" : document[(stop + End.Length)..];
        return head + Begin + "\n" + Generated() + End + tail;
    }

    public static (int Judged, int Explained, int Missing) Coverage()
    {
        var client = SpecStatements.ClientSide;
        return (client.Count(s => s.Coverage == StatementCoverage.Judged), client.Count(s => s.Coverage == StatementCoverage.Explained),
            client.Count(s => s.Coverage == StatementCoverage.Missing));
    }

    public static string Generated()
    {
        var md = new StringBuilder();
        md.AppendLine().AppendLine("## Checks").AppendLine();
        md.AppendLine("| id | judges | rule | MQTT 3.1.1 | other source |").AppendLine("|---|---|---|---|---|");
        foreach (var check in CheckCatalogue.All)
        {
            var cites = string.Join(", ", check.Statements.Select(s => s.Cite));
            // Source is the cites, then the other references (Check.Source).
            var other = cites.Length == 0 ? check.Source : check.Source == cites ? "" : check.Source[(cites.Length + 2)..];
            md.AppendLine($"| `{check.Id}` | {Subject(check.Subject)} | **{Cell(check.Title)}**: {Cell(check.Statement)} | {Cell(cites)} | {Cell(other)} |");
        }

        var (judged, explained, missing) = Coverage();
        var client = SpecStatements.ClientSide;
        var server = SpecStatements.All.Where(s => !s.ClientSide).ToList();
        md.AppendLine().AppendLine("## Coverage of MQTT 3.1.1").AppendLine();
        md.AppendLine($"{SpecStatements.All.Count} numbered statements; {client.Count} bind a client (alone or as either side), {server.Count} bind only the server.").AppendLine();
        md.AppendLine("| client-side statements | count |").AppendLine("|---|---|");
        md.AppendLine($"| judged from the wire | {judged} |").AppendLine($"| explained (not judgeable, reason given) | {explained} |").AppendLine($"| missing | {missing} |");
        md.AppendLine().AppendLine("\"Judged\" lists the checks of the client's own packets, and the `server` suite scenarios that judge how the module receives a faulty packet the harness sends it (docs/harness.md, \"Server faults\"); what part of a statement they leave out, and why, is in the last column.").AppendLine();
        md.AppendLine("| statement | § | binds | summary | judged by | not judged |").AppendLine("|---|---|---|---|---|---|");
        foreach (var s in client)
            md.AppendLine($"| {s.Cite} | {s.Section} | {s.Binds.ToString().ToLowerInvariant()} | {Cell(s.Summary)} | {Checks(s)} | {NotJudged(s)} |");
        md.AppendLine().AppendLine("### Statements that bind the server").AppendLine();
        md.AppendLine("Not the module's obligations. A check listed here judges the client half of a format rule, or the harness broker (a Fail blames the broker, not the module).").AppendLine();
        md.AppendLine("| statement | § | summary | checks |").AppendLine("|---|---|---|---|");
        foreach (var s in server) md.AppendLine($"| {s.Cite} | {s.Section} | {Cell(s.Summary)} | {Checks(s)} |");
        md.AppendLine();
        return md.ToString();
    }

    private static string Subject(CheckSubject s) => s switch
    {
        CheckSubject.Client => "client",
        CheckSubject.Firmware => "firmware (profile)",
        _ => "**broker**",
    };

    private static string Checks(SpecStatement s) =>
        s.Checks.Count + s.Scenarios.Count == 0 ? "—" : string.Join(", ", s.Checks.Select(c => $"`{c}`").Concat(s.Scenarios.Select(c => $"scenario `{c}`")));

    private static string NotJudged(SpecStatement s) => s.NotJudged is { } n
        ? $"{n.Kind switch { NotJudgedKind.NotObservable => "not observable", NotJudgedKind.NeedsServerFault => "needs a server-side fault", _ => "binds the server" }}: {Cell(n.Reason)}"
        : "";

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
