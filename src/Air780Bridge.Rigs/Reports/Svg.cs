using System.Globalization;
using System.Net;

namespace Air780Bridge.Rigs.Reports;

/// <summary>Small formatting helpers shared by the HTML report and its SVG figures.</summary>
internal static class Svg
{
    /// <summary>HTML/SVG text and attribute escaping (&lt; &gt; &amp; " ').</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A coordinate with at most one decimal, invariant culture.</summary>
    public static string N(double v) => Math.Round(v, 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Duration in ms, shown with a unit that keeps it short: "0.42 ms", "12.5 ms", "830 ms", "61.2 s".</summary>
    public static string Ms(double ms) =>
        Math.Abs(ms) >= 1000 ? (ms / 1000).ToString(Math.Abs(ms) >= 100_000 ? "0" : "0.###", CultureInfo.InvariantCulture) + " s"
        : Math.Abs(ms) >= 100 ? ms.ToString("0", CultureInfo.InvariantCulture) + " ms"
        : Math.Abs(ms) >= 10 ? ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms"
        : ms.ToString("0.##", CultureInfo.InvariantCulture) + " ms";

    /// <summary>A timeline timestamp: ms below a second ("53.1 ms"), then seconds to the millisecond ("120.021 s").</summary>
    public static string Stamp(double ms) =>
        Math.Abs(ms) < 1000 ? ms.ToString("0.###", CultureInfo.InvariantCulture) + " ms" : (ms / 1000).ToString("0.000", CultureInfo.InvariantCulture) + " s";

    /// <summary>Cuts text to <paramref name="max"/> characters with an ellipsis (the full text goes in a &lt;title&gt;).</summary>
    public static string Fit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Roughly four "nice" tick values (1, 2, 5 x 10^n steps) covering [lo, hi].</summary>
    public static IEnumerable<double> Ticks(double lo, double hi)
    {
        var raw = (hi - lo) / 4;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(f => f * magnitude).First(s => s >= raw);
        for (var t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step)
            yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
    }
}
