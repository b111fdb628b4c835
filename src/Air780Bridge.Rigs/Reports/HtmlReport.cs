using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Rigs.Results;
using static Air780Bridge.Rigs.Reports.Svg;

namespace Air780Bridge.Rigs.Reports;

/// <summary>
/// report.html: one self-contained file (inline CSS and SVG, no scripts, no external assets). Summary and a
/// scenario x module matrix on top, then every scenario with its checks, timing charts and sequence diagram.
/// Scenarios that did not pass are expanded; passed ones are collapsed &lt;details&gt; (opens without JS). A check's
/// evidence is listed under it and marked in the sequence diagram; a timing chart draws the check's own range.
/// </summary>
public sealed partial class HtmlReport : TextReport
{
    public const string File = "report.html";

    public override string FileName => File;

    protected override void Write(RunResult run, TextWriter output) => output.Write(Render(run));

    public static string Render(RunResult run)
    {
        var h = new StringBuilder();
        var counts = run.Counts;
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
         .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
         .Append($"<title>{E(run.Rig)} · {Word(run.Verdict)} · Air780Bridge conformance</title><style>{Css}</style></head><body>");

        h.Append($"<header class=\"top v-{Slug(run.Verdict)}\"><div class=\"wrap\"><div class=\"kicker\">Air780Bridge · MQTT conformance run</div>")
         .Append($"<h1>{E(run.Rig)} <span class=\"pill big v-{Slug(run.Verdict)}\">{Word(run.Verdict)}</span></h1>")
         .Append("<div class=\"meta\">")
         .Append($"<span>Started <b>{E(run.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))} UTC</b></span>")
         .Append($"<span>Duration <b>{E(VerdictText.Duration(run.Duration))}</b></span>")
         .Append($"<span>Modules <b>{run.Modules.Count}</b></span><span>Scenarios <b>{counts.Total}</b></span>");
        if (run.RigFile is not null) h.Append($"<span>Rig file <code>{E(run.RigFile)}</code></span>");
        h.Append("</div>").Append(CountChips(counts)).Append(Bar(counts, 6)).Append("</div></header><main class=\"wrap\">");

        h.Append("<section><h2>Modules</h2><div class=\"cards\">");
        foreach (var m in run.Modules) h.Append(Card(m));
        h.Append("</div></section>");

        h.Append(Matrix(run));
        h.Append(Statements(run));

        var figure = 0;
        foreach (var m in run.Modules)
        {
            h.Append($"<section class=\"module\" id=\"{Anchor(m.Name)}\"><h2><span class=\"dot v-{Slug(m.Verdict)}\"></span>{E(m.Name)} <span class=\"pill v-{Slug(m.Verdict)}\">{Word(m.Verdict)}</span></h2>")
             .Append(HelloLine(m));
            if (m.Error is not null) h.Append($"<div class=\"moderr\">Module could not run: {E(m.Error)}</div>");
            foreach (var s in m.Scenarios) h.Append(Scenario(m, s, ref figure));
            h.Append("</section>");
        }
        h.Append($"<footer class=\"wrap\">Generated {E(run.Finished.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))} UTC by Air780Bridge · junit.xml and results.json sit next to this file.</footer>");
        return h.Append("</body></html>").ToString();
    }

    private static string Card(ModuleResult m)
    {
        var c = new StringBuilder($"<a class=\"card v-{Slug(m.Verdict)}\" href=\"#{Anchor(m.Name)}\"><div class=\"ch\"><b>{E(m.Name)}</b><span class=\"pill v-{Slug(m.Verdict)}\">{Word(m.Verdict)}</span></div>");
        c.Append($"<div class=\"kv\"><span>connection</span><code>{E(m.Connection)}</code></div>");
        if (m.Hello is { } hello)
        {
            c.Append($"<div class=\"kv\"><span>firmware</span><code>{E(hello.FirmwareVersion)} · {E(hello.Bsp)}</code></div>");
            if (hello.Imei is not null) c.Append($"<div class=\"kv\"><span>IMEI</span><code>{E(hello.Imei)}</code></div>");
        }
        if (m.Profile is not null) c.Append($"<div class=\"kv\"><span>profile</span><code>{E(m.Profile)}</code></div>");
        if (m.Error is not null) c.Append($"<div class=\"cerr\">{E(m.Error)}</div>");
        if (m.Scenarios.Count > 0) c.Append(CountChips(m.Counts)).Append(Bar(m.Counts, 8));
        return c.Append("</a>").ToString();
    }

    private static string HelloLine(ModuleResult m)
    {
        var parts = new List<string> { $"<span>connection <code>{E(m.Connection)}</code></span>" };
        if (m.Profile is not null) parts.Add($"<span>profile <code>{E(m.Profile)}</code></span>");
        if (m.Hello is { } h)
        {
            parts.Add($"<span>firmware <code>{E(h.FirmwareVersion)}</code></span>");
            parts.Add($"<span>bsp <code>{E(h.Bsp)}</code></span>");
            if (h.Imei is not null) parts.Add($"<span>IMEI <code>{E(h.Imei)}</code></span>");
            parts.Add($"<span>boot <code>{E(h.BootId)}</code></span>");
            if (h.AgentVersion is not null) parts.Add($"<span>agent <code>{E(h.AgentVersion)}</code></span>");
        }
        else parts.Add("<span class=\"muted\">no HELLO received</span>");
        return $"<div class=\"hello\">{string.Concat(parts)}</div>";
    }

    /// <summary>Scenario rows x module columns, each cell a verdict linking to the details.</summary>
    private static string Matrix(RunResult run)
    {
        var ids = run.Modules.SelectMany(m => m.Scenarios).Select(s => (s.Suite, s.Id, s.Title)).DistinctBy(s => s.Id).ToList();
        if (ids.Count == 0) return "";
        var t = new StringBuilder("<section><h2>Scenarios</h2><div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>Suite</th><th>Scenario</th>");
        foreach (var m in run.Modules) t.Append($"<th class=\"mc\">{E(m.Name)}</th>");
        t.Append("</tr></thead><tbody>");
        foreach (var (suite, id, title) in ids)
        {
            t.Append($"<tr><td class=\"suite\">{E(suite)}</td><td><code>{E(id)}</code> <span class=\"muted\">{E(title)}</span></td>");
            foreach (var m in run.Modules)
            {
                var s = m.Scenarios.FirstOrDefault(x => x.Id == id);
                t.Append(s is null
                    ? "<td class=\"mc\"><span class=\"muted\">—</span></td>"
                    : $"<td class=\"mc\"><a class=\"cell v-{Slug(s.Verdict)}\" href=\"#{Anchor(m.Name, s.Id)}\" title=\"{E(s.Message ?? Word(s.Verdict))}\">{VerdictText.Word(s.Verdict)}</a></td>");
            }
            t.Append("</tr>");
        }
        return t.Append("</tbody></table></div></section>").ToString();
    }

    /// <summary>Per client-side MQTT 3.1.1 statement: what this run judged of it (open), then how the catalogue covers
    /// every statement (collapsed).</summary>
    private static string Statements(RunResult run)
    {
        var statements = run.Statements;
        if (statements.Count == 0) return "";
        int Count(StatementCoverage c) => statements.Count(s => s.Statement.Coverage == c);
        var judged = statements.Where(s => s.Verdict is not null).ToList();
        var t = new StringBuilder("<section><h2>MQTT 3.1.1 statements</h2>")
            .Append($"<p class=\"muted\">This run judged <b>{judged.Count}</b> of the {statements.Count} client-side statements of MQTT 3.1.1 ")
            .Append($"({Count(StatementCoverage.Judged)} have a check, {Count(StatementCoverage.Explained)} are not judgeable from the wire, with the reason, ")
            .Append($"{Count(StatementCoverage.Missing)} missing).</p>");
        if (judged.Count > 0) t.Append(StatementTable(judged));
        return t.Append($"<details class=\"stmts\"><summary>All {statements.Count} statements and how each is judged</summary>")
            .Append(StatementTable(statements)).Append("</details></section>").ToString();
    }

    private static string StatementTable(IEnumerable<StatementResult> rows)
    {
        var t = new StringBuilder("<div class=\"scroll\"><table class=\"checks\"><thead><tr><th>Statement</th><th>Binds</th><th>How it is judged</th><th>This run</th></tr></thead><tbody>");
        foreach (var (s, verdict, judgements) in rows)
        {
            var how = string.Join(" ", s.Checks.Select(c => $"<code>{E(c)}</code>"));
            if (s.NotJudged is { } nj) how += $"<div class=\"expl\">{(s.Checks.Count > 0 ? "not judged in part" : "not judged")} ({E(nj.Kind.ToString())}): {E(nj.Reason)}</div>";
            var cell = verdict is { } v
                ? $"<span class=\"pill sm v-{Slug(v)}\">{VerdictText.Word(v)}</span> <span class=\"muted\" title=\"{E(string.Join("; ", judgements.Select(j => $"{j.Module} {j.Scenario} {j.Check}: {j.Verdict}")))}\">{judgements.Count}×</span>"
                : "<span class=\"muted\">not exercised</span>";
            t.Append($"<tr class=\"v-{(verdict is { } w ? Slug(w) : "none")}\"><td><code>[MQTT-{E(s.Id)}]</code><div class=\"expl\">{E(s.Summary)}</div></td>")
             .Append($"<td class=\"src\">{E(s.Binds.ToString().ToLowerInvariant())}</td><td>{how}</td><td class=\"num\">{cell}</td></tr>");
        }
        return t.Append("</tbody></table></div>").ToString();
    }

    private static string Scenario(ModuleResult m, ScenarioResult s, ref int figure)
    {
        var open = s.Verdict is Verdict.Pass or Verdict.Skipped ? "" : " open";
        var h = new StringBuilder($"<details class=\"scn v-{Slug(s.Verdict)}\" id=\"{Anchor(m.Name, s.Id)}\"{open}><summary>")
            .Append($"<span class=\"pill v-{Slug(s.Verdict)}\">{Word(s.Verdict)}</span><code class=\"sid\">{E(s.Id)}</code><span class=\"stitle\">{E(s.Title)}</span>")
            .Append($"<span class=\"suite\">{E(s.Suite)}</span><span class=\"dur\">{(s.Duration > TimeSpan.Zero ? E(VerdictText.Duration(s.Duration)) : "—")}</span>");
        if (s.Message is not null) h.Append($"<div class=\"smsg\">{E(s.Message)}</div>");
        h.Append("</summary><div class=\"sbody\">");

        if (s.Checks.Count > 0)
        {
            h.Append("<table class=\"checks\"><thead><tr><th></th><th>Check</th><th>Measured</th><th>Allowed</th><th>Source</th></tr></thead><tbody>");
            var t0 = s.Timeline.Count > 0 ? s.Timeline[0].TUs : 0;
            foreach (var c in s.Checks)
            {
                h.Append($"<tr class=\"v-{Slug(c.Verdict)}\"><td><span class=\"pill sm v-{Slug(c.Verdict)}\">{VerdictText.Word(c.Verdict)}</span></td>")
                 .Append($"<td><code>{E(c.Id)}</code> {E(c.Title)}");
                if (c.Explanation is not null) h.Append($"<div class=\"expl\">{E(c.Explanation)}</div>");
                if (c.Verdict != Verdict.Pass && c.Evidence.Count > 0)
                {
                    h.Append("<ul class=\"ev\">");
                    foreach (var step in c.Evidence)
                        h.Append($"<li><code>{E(Stamp((step.TUs - t0) / 1000.0))} {E(step.Conn)} {E(step.Label)}</code>{(step.Detail is null ? "" : " " + E(step.Detail))}</li>");
                    h.Append("</ul>");
                }
                h.Append($"</td><td class=\"num\">{E(c.Measured ?? "—")}</td><td class=\"num\">{E(c.Allowed ?? "—")}</td><td class=\"src\">{E(c.Source)}</td></tr>");
            }
            h.Append("</tbody></table>");
        }
        if (s.Timings.Count > 0)
        {
            h.Append("<div class=\"charts\">");
            foreach (var series in s.Timings) h.Append(TimingChart.Render(series));
            h.Append("</div>");
        }
        if (s.Timeline.Count > 0)
        {
            var note = s.Timeline.Count > SequenceDiagram.MaxSteps
                ? $" · showing first {SequenceDiagram.Head} and last {SequenceDiagram.Tail}" : "";
            h.Append($"<figure class=\"seqf\"><figcaption>Wire timeline · {s.Timeline.Count} steps{note}</figcaption><div class=\"scroll\">")
             .Append(SequenceDiagram.Render(s.Timeline, $"sq{++figure}-", s.Checks)).Append("</div></figure>");
        }
        if (s.Checks.Count == 0 && s.Timings.Count == 0 && s.Timeline.Count == 0)
            h.Append("<div class=\"muted\">No checks, timings or wire timeline recorded.</div>");
        return h.Append("</div></details>").ToString();
    }

    private static string CountChips(VerdictCounts c)
    {
        var chips = new StringBuilder("<div class=\"chips\">");
        foreach (var (v, n) in Segments(c))
            chips.Append($"<span class=\"chip v-{Slug(v)}{(n == 0 ? " zero" : "")}\"><b>{n}</b> {Word(v).ToLowerInvariant()}</span>");
        return chips.Append("</div>").ToString();
    }

    /// <summary>A stacked proportion bar of the verdicts.</summary>
    private static string Bar(VerdictCounts c, int height)
    {
        var bar = new StringBuilder($"<div class=\"bar\" style=\"height:{height}px\">");
        foreach (var (v, n) in Segments(c).Where(x => x.Count > 0))
            bar.Append($"<span class=\"v-{Slug(v)}\" style=\"flex-grow:{n}\" title=\"{n} {Word(v)}\"></span>");
        return bar.Append("</div>").ToString();
    }

    private static IEnumerable<(Verdict Verdict, int Count)> Segments(VerdictCounts c) =>
        [(Verdict.Pass, c.Pass), (Verdict.KnownDeviation, c.KnownDeviation), (Verdict.Inconclusive, c.Inconclusive), (Verdict.Fail, c.Fail), (Verdict.Error, c.Error), (Verdict.Skipped, c.Skipped)];

    private static string Word(Verdict v) => v switch
    {
        Verdict.Pass => "Pass",
        Verdict.Fail => "Fail",
        Verdict.Error => "Error",
        Verdict.Skipped => "Skipped",
        Verdict.Inconclusive => "Inconclusive",
        _ => "Known deviation",
    };

    private static string Slug(Verdict v) => v.ToString().ToLowerInvariant();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex NotIdChar();

    private static string Anchor(string module, string? scenario = null) =>
        "m-" + NotIdChar().Replace(module, "_") + (scenario is null ? "" : "--" + NotIdChar().Replace(scenario, "_"));

    private const string Css = """
        :root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--error:#8250df;--error-bg:#fbefff;
          --dev:#9a6700;--dev-bg:#fff8c5;--skip:#6e7781;--skip-bg:#eaeef2;--inc:#0969da;--inc-bg:#ddf4ff;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
        code,.mono{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
        .wrap{max-width:1120px;margin:0 auto;padding:0 24px}
        header.top{background:#fff;border-bottom:1px solid var(--line);border-top:6px solid var(--skip);padding:18px 0 16px;margin-bottom:8px}
        header.top.v-pass{border-top-color:var(--pass)} header.top.v-fail{border-top-color:var(--fail)}
        header.top.v-error{border-top-color:var(--error)} header.top.v-knowndeviation{border-top-color:var(--dev)}
        .kicker{color:var(--muted);font-size:12px;letter-spacing:.06em;text-transform:uppercase}
        h1{margin:2px 0 6px;font-size:28px;display:flex;align-items:center;gap:12px}
        h2{font-size:18px;margin:26px 0 10px;display:flex;align-items:center;gap:10px}
        .meta{display:flex;flex-wrap:wrap;gap:6px 22px;color:var(--muted);margin-bottom:10px}
        .meta b{color:var(--ink);font-weight:600}
        .pill{display:inline-block;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:600;white-space:nowrap;border:1px solid transparent}
        .pill.big{font-size:15px;padding:3px 14px}
        .pill.sm{font-size:10.5px;padding:0 7px;letter-spacing:.03em}
        .pill.v-pass,.chip.v-pass,.cell.v-pass{background:var(--pass-bg);color:var(--pass);border-color:#aceebb}
        .pill.v-fail,.chip.v-fail,.cell.v-fail{background:var(--fail-bg);color:var(--fail);border-color:#ffcecb}
        .pill.v-error,.chip.v-error,.cell.v-error{background:var(--error-bg);color:var(--error);border-color:#ecd8ff}
        .pill.v-knowndeviation,.chip.v-knowndeviation,.cell.v-knowndeviation{background:var(--dev-bg);color:var(--dev);border-color:#f5e0a0}
        .pill.v-skipped,.chip.v-skipped,.cell.v-skipped{background:var(--skip-bg);color:var(--skip);border-color:var(--line)}
        .pill.v-inconclusive,.chip.v-inconclusive,.cell.v-inconclusive{background:var(--inc-bg);color:var(--inc);border-color:#b6e3ff}
        .chips{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
        .chip{border-radius:6px;padding:2px 9px;font-size:12.5px;border:1px solid}
        .chip b{font-size:14px;margin-right:2px} .chip.zero{opacity:.38}
        .bar{display:flex;border-radius:4px;overflow:hidden;background:var(--skip-bg);gap:2px}
        .bar span.v-pass{background:var(--pass)} .bar span.v-fail{background:var(--fail)} .bar span.v-error{background:var(--error)}
        .bar span.v-knowndeviation{background:#d4a72c} .bar span.v-skipped{background:#afb8c1} .bar span.v-inconclusive{background:#54aeff}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
        .card{display:block;background:#fff;border:1px solid var(--line);border-left:5px solid var(--skip);border-radius:8px;padding:12px 14px;color:inherit;text-decoration:none}
        .card:hover{box-shadow:0 2px 10px rgba(31,35,40,.1)}
        .card.v-pass{border-left-color:var(--pass)} .card.v-fail{border-left-color:var(--fail)} .card.v-error{border-left-color:var(--error)} .card.v-knowndeviation{border-left-color:#d4a72c}
        .ch{display:flex;justify-content:space-between;align-items:center;margin-bottom:6px;font-size:16px}
        .kv{display:flex;gap:8px;font-size:12.5px;color:var(--muted);overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
        .kv span{min-width:64px} .kv code{color:var(--ink);overflow:hidden;text-overflow:ellipsis}
        .cerr,.moderr{color:var(--error);background:var(--error-bg);border-radius:6px;padding:6px 10px;margin:6px 0;font-size:13px}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%;background:#fff}
        .matrix{border:1px solid var(--line);border-radius:8px}
        .matrix th,.matrix td{border-bottom:1px solid #eaeef2;padding:5px 10px;text-align:left;vertical-align:middle}
        .matrix th{background:#f6f8fa;font-size:12px;color:var(--muted);font-weight:600}
        .matrix td.suite{color:var(--muted);font-size:12.5px;white-space:nowrap}
        .mc{text-align:center!important;width:1%;white-space:nowrap}
        .cell{display:inline-block;min-width:48px;border-radius:5px;padding:1px 6px;font-size:11px;font-weight:700;text-decoration:none;border:1px solid;text-align:center}
        section.module{margin-top:34px;padding-top:4px;border-top:2px solid var(--line)}
        .dot{width:12px;height:12px;border-radius:50%;display:inline-block;background:var(--skip)}
        .dot.v-pass{background:var(--pass)} .dot.v-fail{background:var(--fail)} .dot.v-error{background:var(--error)} .dot.v-knowndeviation{background:#d4a72c}
        .hello{display:flex;flex-wrap:wrap;gap:4px 18px;color:var(--muted);font-size:13px;margin:-4px 0 12px}
        .hello code{color:var(--ink)}
        .muted{color:var(--muted)}
        details.scn{background:#fff;border:1px solid var(--line);border-left:4px solid var(--skip);border-radius:8px;margin:8px 0;overflow:hidden}
        details.scn.v-pass{border-left-color:var(--pass)} details.scn.v-fail{border-left-color:var(--fail)}
        details.scn.v-error{border-left-color:var(--error)} details.scn.v-knowndeviation{border-left-color:#d4a72c} details.scn.v-inconclusive{border-left-color:#54aeff}
        details.scn>summary{cursor:pointer;padding:9px 14px;display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px;list-style:none}
        details.scn>summary::-webkit-details-marker{display:none}
        details.scn>summary::before{content:"▸";color:var(--muted);width:10px}
        details.scn[open]>summary::before{content:"▾"}
        details.scn[open]>summary{border-bottom:1px solid #eaeef2;background:#fbfcfd}
        .sid{font-weight:600} .stitle{flex:1;min-width:200px}
        .suite{font-size:12px;color:var(--muted);background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:0 6px}
        .dur{font-size:12.5px;color:var(--muted);font-variant-numeric:tabular-nums;min-width:60px;text-align:right}
        .smsg{flex-basis:100%;padding-left:20px;font-size:13px;color:#3d444d}
        details.v-fail .smsg{color:var(--fail)} details.v-error .smsg{color:var(--error)} details.v-knowndeviation .smsg{color:var(--dev)}
        .sbody{padding:12px 14px 14px}
        .checks{border:1px solid #eaeef2;margin-bottom:12px;font-size:13px}
        .checks th{font-size:11.5px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);text-align:left;padding:6px 8px;background:#f6f8fa;border-bottom:1px solid #eaeef2}
        .checks td{padding:6px 8px;border-bottom:1px solid #f0f2f4;vertical-align:top}
        .checks tr.v-fail td{background:#fff8f7} .checks tr.v-error td{background:#fdf8ff} .checks tr.v-knowndeviation td{background:#fffdf0}
        .checks td.num{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px;white-space:nowrap}
        .checks td.src{font-size:12px;color:var(--muted)}
        .expl{color:var(--muted);font-size:12.5px;margin-top:2px}
        details.stmts>summary{cursor:pointer;color:var(--muted);margin-bottom:8px}
        ul.ev{margin:4px 0 0;padding-left:18px;font-size:12px;color:var(--muted)} ul.ev code{color:var(--ink);font-size:11.5px}
        .checks tr.v-inconclusive td{background:#f5fbff}
        .charts{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}
        svg.chart{background:#fff;border:1px solid #eaeef2;border-radius:8px}
        svg.chart .ct{font:600 13px system-ui,sans-serif;fill:var(--ink)} svg.chart .cs{font:11.5px system-ui,sans-serif;fill:var(--muted)}
        svg.chart .cbad{font:600 12px system-ui,sans-serif;fill:var(--fail)} svg.chart .cok{font:600 12px system-ui,sans-serif;fill:var(--pass)}
        svg.chart .band{fill:#2da44e;fill-opacity:.13}
        svg.chart .bound{stroke:#2da44e;stroke-width:1;stroke-dasharray:5 3}
        svg.chart .bl{font:600 10.5px system-ui,sans-serif;fill:#1a7f37}
        svg.chart .grid{stroke:#eef1f4} svg.chart .axis{stroke:#afb8c1}
        svg.chart .ax{font:10.5px ui-monospace,"DejaVu Sans Mono",monospace;fill:var(--muted)}
        svg.chart .trace{fill:none;stroke:#afb8c1;stroke-width:1.2}
        svg.chart .pt.in{fill:#1a7f37;stroke:#fff;stroke-width:1.5} svg.chart .pt.out{fill:#cf222e;stroke:#fff;stroke-width:1.5}
        figure.seqf{margin:0;border:1px solid #eaeef2;border-radius:8px;background:#fff}
        figure.seqf figcaption{font-size:12px;color:var(--muted);padding:6px 12px;border-bottom:1px solid #eaeef2;background:#fbfcfd}
        svg.seq{display:block}
        svg.seq .life{stroke:#c4ccd5;stroke-dasharray:4 4}
        svg.seq .head{fill:#f6f8fa;stroke:#c4ccd5}
        svg.seq .hd{font:600 13px system-ui,sans-serif;fill:var(--ink)} svg.seq .hs{font:10.5px system-ui,sans-serif;fill:var(--muted)}
        svg.seq .msg line{stroke-width:1.6} svg.seq .msg line.dash{stroke:#8c959f;stroke-dasharray:4 3;stroke-width:1.2}
        svg.seq .msg circle{fill:#8c959f}
        svg.seq .lbl{font:600 12px ui-monospace,"DejaVu Sans Mono",Menlo,monospace;fill:var(--ink)}
        svg.seq .msg.module .lbl{font-weight:500;fill:#3d444d}
        svg.seq .det{font:11px ui-monospace,"DejaVu Sans Mono",Menlo,monospace;fill:var(--muted)}
        svg.seq .t{font:11px ui-monospace,"DejaVu Sans Mono",Menlo,monospace;fill:var(--ink)}
        svg.seq .conn{font:600 10px ui-monospace,"DejaVu Sans Mono",monospace}
        svg.seq .note{fill:#fff8c5;stroke:#d4a72c}
        svg.seq .hl{fill:#ffebe9} svg.seq .ev-knowndeviation .hl{fill:#fff8c5} svg.seq .ev-inconclusive .hl{fill:#ddf4ff}
        svg.seq .flag{font:600 10.5px system-ui,sans-serif;fill:var(--fail)} svg.seq .ev-knowndeviation .flag{fill:var(--dev)} svg.seq .ev-inconclusive .flag{fill:var(--inc)}
        svg.seq .msg:hover .lbl{fill:#0969da}
        svg.seq .gap{font:italic 10.5px system-ui,sans-serif;fill:var(--muted)}
        svg.seq .brk{stroke:#d1d9e0;stroke-dasharray:1 5;stroke-width:2}
        svg.seq .omitted rect{fill:#f6f8fa;stroke:#d1d9e0;stroke-dasharray:3 3} svg.seq .omitted text{font:italic 12px system-ui,sans-serif;fill:var(--muted)}
        footer{color:var(--muted);font-size:12px;padding:30px 24px 40px}
        @media print{details.scn{break-inside:avoid} .card:hover{box-shadow:none}}
        """;
}
