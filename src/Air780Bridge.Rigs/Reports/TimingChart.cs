using System.Text;
using Air780Bridge.Rigs.Results;
using static Air780Bridge.Rigs.Reports.Svg;

namespace Air780Bridge.Rigs.Reports;

/// <summary>
/// Inline-SVG chart of one timing series: samples in order on x, value on y, the allowed range as a shaded
/// band, samples outside it drawn red (class "pt out"), inside green (class "pt in").
/// </summary>
public static class TimingChart
{
    private const double W = 470, H = 210, L = 64, R = 16, T = 44, B = 30;

    public static string Render(TimingSeries series)
    {
        var values = series.ValuesMs;
        var all = values.Concat(new[] { series.AllowedMinMs, series.AllowedMaxMs }.OfType<double>()).ToList();
        if (all.Count == 0) all.Add(0);
        var (lo, hi) = (all.Min(), all.Max());
        var pad = hi > lo ? (hi - lo) * 0.12 : Math.Max(Math.Abs(hi) * 0.1, 1);
        (lo, hi) = (lo - pad, hi + pad);
        if (lo < 0 && all.Min() >= 0) lo = 0; // timings are never negative; do not draw a negative axis
        double Y(double v) => T + (hi - v) / (hi - lo) * (H - T - B);
        double X(int i) => values.Count == 1 ? (L + W - R) / 2 : L + 14 + i * (W - R - L - 28) / (values.Count - 1);

        var outside = values.Count(v => !series.IsAllowed(v));
        var svg = new StringBuilder();
        svg.Append($"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{E(series.Name)}\">");
        svg.Append($"<text class=\"ct\" x=\"{L - 50}\" y=\"18\">{E(series.Name)}</text>");
        svg.Append($"<text class=\"cs\" x=\"{L - 50}\" y=\"34\">{E(Summary(series))}</text>");
        if (outside > 0)
            svg.Append($"<text class=\"cbad\" x=\"{W - R}\" y=\"18\" text-anchor=\"end\">{outside} of {values.Count} outside</text>");
        else if (values.Count > 0)
            svg.Append($"<text class=\"cok\" x=\"{W - R}\" y=\"18\" text-anchor=\"end\">all {values.Count} within range</text>");

        // Allowed band; an open side extends to the plot edge.
        var bandTop = Y(series.AllowedMaxMs ?? hi);
        var bandBottom = Y(series.AllowedMinMs ?? lo);
        if (series.AllowedMinMs is not null || series.AllowedMaxMs is not null)
            svg.Append($"<rect class=\"band\" x=\"{L}\" y=\"{N(bandTop)}\" width=\"{W - R - L}\" height=\"{N(Math.Max(bandBottom - bandTop, 1))}\"/>");
        foreach (var t in Ticks(lo, hi))
            svg.Append($"<line class=\"grid\" x1=\"{L}\" x2=\"{W - R}\" y1=\"{N(Y(t))}\" y2=\"{N(Y(t))}\"/>")
               .Append($"<text class=\"ax\" x=\"{L - 6}\" y=\"{N(Y(t) + 4)}\" text-anchor=\"end\">{E(Ms(t))}</text>");
        foreach (var (bound, name) in new[] { (series.AllowedMaxMs, "max"), (series.AllowedMinMs, "min") })
            if (bound is { } b)
                svg.Append($"<line class=\"bound\" x1=\"{L}\" x2=\"{W - R}\" y1=\"{N(Y(b))}\" y2=\"{N(Y(b))}\"/>")
                   .Append($"<text class=\"bl\" x=\"{W - R - 4}\" y=\"{N(Y(b) + (name == "max" ? -4 : 12))}\" text-anchor=\"end\">{name} {E(Ms(b))}</text>");
        svg.Append($"<line class=\"axis\" x1=\"{L}\" x2=\"{L}\" y1=\"{T - 4}\" y2=\"{H - B}\"/><line class=\"axis\" x1=\"{L}\" x2=\"{W - R}\" y1=\"{H - B}\" y2=\"{H - B}\"/>");

        if (values.Count > 1)
            svg.Append($"<polyline class=\"trace\" points=\"{string.Join(" ", values.Select((v, i) => $"{N(X(i))},{N(Y(v))}"))}\"/>");
        var labelEvery = Math.Max(1, (int)Math.Ceiling(values.Count / 12.0));
        for (var i = 0; i < values.Count; i++)
        {
            var ok = series.IsAllowed(values[i]);
            svg.Append($"<circle class=\"pt {(ok ? "in" : "out")}\" cx=\"{N(X(i))}\" cy=\"{N(Y(values[i]))}\" r=\"{(ok ? 4 : 5)}\"><title>#{i + 1}: {E(Ms(values[i]))}{(ok ? "" : " (outside the allowed range)")}</title></circle>");
            if (i % labelEvery == 0 || i == values.Count - 1)
                svg.Append($"<text class=\"ax\" x=\"{N(X(i))}\" y=\"{H - B + 16}\" text-anchor=\"middle\">{i + 1}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    private static string Summary(TimingSeries s)
    {
        var allowed = (s.AllowedMinMs, s.AllowedMaxMs) switch
        {
            ({ } min, { } max) => $"allowed {Ms(min)} – {Ms(max)}",
            ({ } min, null) => $"allowed ≥ {Ms(min)}",
            (null, { } max) => $"allowed ≤ {Ms(max)}",
            _ => "no allowed range",
        };
        if (s.ValuesMs.Count == 0) return $"no samples · {allowed}";
        var sorted = s.ValuesMs.Order().ToList();
        return $"n={sorted.Count} · median {Ms(sorted[sorted.Count / 2])} · {allowed}";
    }
}
