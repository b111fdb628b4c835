using System.Text;
using Air780Bridge.Rigs.Results;
using static Air780Bridge.Rigs.Reports.Svg;

namespace Air780Bridge.Rigs.Reports;

/// <summary>
/// Inline-SVG sequence diagram of a scenario's wire timeline. Lifelines: the Lua app (module-side API calls
/// and events), the module's MQTT client and the tap/broker. One row per step (not time-proportional, so a
/// 60 s keepalive gap does not take a page), a marked break where time jumps, timestamps on the left.
/// Every step is one &lt;g class="msg ..."&gt;; a step that is evidence of a check that did not pass is also class
/// "ev ev-{verdict}", drawn on a tinted row with the check id flagged at the right edge.
/// </summary>
public static class SequenceDiagram
{
    /// <summary>Longer timelines show the first <see cref="Head"/> and last <see cref="Tail"/> steps.</summary>
    public const int MaxSteps = 120;
    public const int Head = 80;
    public const int Tail = 30;

    private const int Width = 1000, Top = 58, Row = 38, GapRow = 18;
    private const double TimeX = 92, AppX = 200, ModuleX = 430, TapX = 880;
    private const double GapUs = 1_000_000; // a pause of a second or more gets a break marker
    private const string Grey = "#6e7781";
    private static readonly string[] ConnColors = ["#0969da", "#1b7c83", "#8250df", "#bc4c00", "#bf3989", "#4d2d00"];

    /// <param name="id">Unique within the page: prefixes the arrowhead marker ids.</param>
    /// <param name="checks">The scenario's checks: the evidence of each that did not pass is marked.</param>
    public static string Render(IReadOnlyList<TimelineStep> steps, string id = "sq", IReadOnlyList<JudgedCheck>? checks = null)
    {
        if (steps.Count == 0) return "";
        var marks = Marks(checks ?? []);
        var shown = new List<TimelineStep?>();
        if (steps.Count > MaxSteps)
        {
            shown.AddRange(steps.Take(Head));
            shown.Add(null); // the omission marker
            shown.AddRange(steps.Skip(steps.Count - Tail));
        }
        else shown.AddRange(steps);

        var colors = steps.Where(s => s.Dir != StepDir.Module).Select(s => s.Conn).Distinct()
            .Select((c, i) => (c, i)).ToDictionary(x => x.c, x => ConnColors[x.i % ConnColors.Length]);
        var t0 = steps[0].TUs;
        var body = new StringBuilder();
        double y = Top;
        TimelineStep? previous = null;
        foreach (var step in shown)
        {
            if (step is null)
            {
                y += Row;
                body.Append($"<g class=\"omitted\"><rect x=\"{N(AppX - 60)}\" y=\"{N(y - 16)}\" width=\"{N(TapX - AppX + 120)}\" height=\"24\" rx=\"4\"/>")
                    .Append($"<text x=\"{N((AppX + TapX) / 2)}\" y=\"{N(y)}\" text-anchor=\"middle\">⋯ {steps.Count - Head - Tail} steps omitted; results.json holds the full timeline ⋯</text></g>");
                previous = null;
                continue;
            }
            if (previous is not null && step.TUs - previous.TUs >= GapUs)
            {
                y += GapRow;
                body.Append($"<text class=\"gap\" x=\"{N(TimeX - 8)}\" y=\"{N(y + 4)}\" text-anchor=\"end\">+{E(Ms((step.TUs - previous.TUs) / 1000.0))}</text>")
                    .Append($"<path class=\"brk\" d=\"M{N(TimeX)} {N(y)} H{Width - 10}\"/>");
            }
            y += Row;
            body.Append(Step(step, y, t0, colors, id, marks.TryGetValue(step, out var mark) ? mark : null));
            previous = step;
        }
        var height = y + 26;

        var svg = new StringBuilder();
        svg.Append($"<svg class=\"seq\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {N(height)}\" width=\"{Width}\" height=\"{N(height)}\" role=\"img\" aria-label=\"Sequence diagram, {steps.Count} steps\">");
        // One arrowhead marker per colour: SVG 2 context-stroke is not yet safe across viewers.
        svg.Append("<defs>");
        foreach (var c in ConnColors.Append(Grey))
            svg.Append($"<marker id=\"{id}{c[1..]}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"{c}\"/></marker>");
        svg.Append("</defs>");
        foreach (var (x, title, sub) in new[] { (AppX, "Lua app", "module-side API / events"), (ModuleX, "Module", "MQTT client"), (TapX, "Tap / Broker", "harness") })
        {
            svg.Append($"<line class=\"life\" x1=\"{N(x)}\" y1=\"44\" x2=\"{N(x)}\" y2=\"{N(height - 8)}\"/>")
                .Append($"<rect class=\"head\" x=\"{N(x - 78)}\" y=\"6\" width=\"156\" height=\"38\" rx=\"6\"/>")
                .Append($"<text class=\"hd\" x=\"{N(x)}\" y=\"23\" text-anchor=\"middle\">{title}</text>")
                .Append($"<text class=\"hs\" x=\"{N(x)}\" y=\"37\" text-anchor=\"middle\">{sub}</text>");
        }
        svg.Append($"<text class=\"hs\" x=\"{N(TimeX - 8)}\" y=\"37\" text-anchor=\"end\">time</text>");
        svg.Append(body).Append("</svg>");
        return svg.ToString();
    }

    /// <summary>Each evidence step of a check that did not pass, with the worst such verdict and the check ids.</summary>
    private static Dictionary<TimelineStep, (Verdict Verdict, string Checks)> Marks(IReadOnlyList<JudgedCheck> checks) =>
        checks.Where(c => c.Verdict != Verdict.Pass)
            .SelectMany(c => c.Evidence.Distinct().Select(step => (Step: step, Check: c)))
            .GroupBy(x => x.Step)
            .ToDictionary(g => g.Key, g => (Verdicts.Combine(g.Select(x => x.Check.Verdict)), string.Join(", ", g.Select(x => x.Check.Id).Distinct())));

    private static string Step(TimelineStep s, double y, long t0, IReadOnlyDictionary<string, string> colors, string id, (Verdict Verdict, string Checks)? mark)
    {
        var color = colors.GetValueOrDefault(s.Conn, Grey);
        var dir = s.Dir is StepDir.Up or StepDir.Down or StepDir.Module ? s.Dir : StepDir.Tap;
        var tip = $"{Stamp((s.TUs - t0) / 1000.0)}  {s.Conn}  {s.Label}{(s.Detail is null ? "" : "  " + s.Detail)}";
        if (mark is { } m) tip += $"  [evidence: {m.Checks}]";
        var g = new StringBuilder($"<g class=\"msg {dir}{(mark is { } k ? $" ev ev-{k.Verdict.ToString().ToLowerInvariant()}" : "")}\"><title>{E(tip)}</title>");
        if (mark is { } e)
            g.Append($"<rect class=\"hl\" x=\"{N(TimeX - 4)}\" y=\"{N(y - 22)}\" width=\"{N(Width - TimeX)}\" height=\"{Row - 2}\" rx=\"3\"/>")
             .Append($"<text class=\"flag\" x=\"{Width - 4}\" y=\"{N(y - 10)}\" text-anchor=\"end\">⚑ {E(Fit(e.Checks, 28))}</text>");
        g.Append($"<text class=\"t\" x=\"{N(TimeX - 8)}\" y=\"{N(y - 3)}\" text-anchor=\"end\">{E(Stamp((s.TUs - t0) / 1000.0))}</text>");
        g.Append($"<text class=\"conn\" x=\"{N(TimeX - 8)}\" y=\"{N(y + 10)}\" text-anchor=\"end\" fill=\"{color}\">{E(s.Conn)}</text>");
        switch (dir)
        {
            case StepDir.Up or StepDir.Down:
                var (from, to) = dir == StepDir.Up ? (ModuleX, TapX) : (TapX, ModuleX);
                g.Append($"<line x1=\"{N(from)}\" y1=\"{N(y)}\" x2=\"{N(to + (to > from ? -2 : 2))}\" y2=\"{N(y)}\" stroke=\"{color}\" marker-end=\"url(#{id}{color[1..]})\"/>");
                Labels(g, s, (ModuleX + TapX) / 2, y, 62);
                break;
            case StepDir.Module:
                g.Append($"<line class=\"dash\" x1=\"{N(ModuleX)}\" y1=\"{N(y)}\" x2=\"{N(AppX + 2)}\" y2=\"{N(y)}\" marker-end=\"url(#{id}{Grey[1..]})\"/>")
                    .Append($"<circle cx=\"{N(ModuleX)}\" cy=\"{N(y)}\" r=\"3\"/>");
                Labels(g, s, (AppX + ModuleX) / 2, y, 30);
                break;
            default:
                var label = Fit(s.Label, 40);
                var w = label.Length * 7.2 + 20;
                g.Append($"<rect class=\"note\" x=\"{N(TapX + 62 - w)}\" y=\"{N(y - 13)}\" width=\"{N(w)}\" height=\"22\" rx=\"4\"/>")
                    .Append($"<text class=\"lbl\" x=\"{N(TapX + 62 - w / 2)}\" y=\"{N(y + 2)}\" text-anchor=\"middle\">{E(label)}</text>");
                if (s.Detail is not null)
                    g.Append($"<text class=\"det\" x=\"{N(TapX + 62 - w - 8)}\" y=\"{N(y + 2)}\" text-anchor=\"end\">{E(Fit(s.Detail, 60))}</text>");
                break;
        }
        return g.Append("</g>").ToString();
    }

    private static void Labels(StringBuilder g, TimelineStep s, double x, double y, int maxChars)
    {
        g.Append($"<text class=\"lbl\" x=\"{N(x)}\" y=\"{N(y - 6)}\" text-anchor=\"middle\">{E(Fit(s.Label, maxChars))}</text>");
        if (s.Detail is not null)
            g.Append($"<text class=\"det\" x=\"{N(x)}\" y=\"{N(y + 14)}\" text-anchor=\"middle\">{E(Fit(s.Detail, maxChars + 12))}</text>");
    }
}
