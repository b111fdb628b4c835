using System.Globalization;
using System.Net;
using System.Text;
using Air780Bridge.Results;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Station;

/// <summary>The operator page's HTML, rendered on the server; the page's script only swaps in a fresh slot grid every second.</summary>
internal static class OperatorHtml
{
    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    public static string Page(StationRunner station) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>air780 station {{E(station.Options.Station)}}</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111}
        header{display:flex;align-items:center;gap:1.5rem;padding:1rem 1.5rem;background:#1f2937;color:#fff}
        header h1{font-size:1.4rem;margin:0}
        button{font-size:1.3rem;padding:.6rem 1.8rem;border:0;border-radius:.4rem;cursor:pointer}
        #start{background:#16a34a;color:#fff} #stop{background:#dc2626;color:#fff}
        #run-state{font-size:1.1rem} #live{margin-left:auto;font-size:.9rem;opacity:.7}
        #slots{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1rem;padding:1.5rem}
        .slot{background:#fff;border-radius:.6rem;padding:1rem;box-shadow:0 1px 3px #0003}
        .slot h2{margin:0 0 .3rem;font-size:1.3rem} .conn{font-size:.8rem;color:#555;word-break:break-all}
        .state{margin:.5rem 0;font-weight:600} .state.Testing{color:#2563eb} .state.PortBusy{color:#b45309}
        .bar{height:.8rem;background:#e5e7eb;border-radius:.4rem;overflow:hidden} .bar div{height:100%;background:#2563eb}
        .verdict{margin-top:.8rem;border-radius:.5rem;text-align:center;padding:.6rem;color:#fff}
        .verdict .word{font-size:4rem;font-weight:800;letter-spacing:.2rem;line-height:1.1}
        .verdict.PASS{background:#16a34a} .verdict.FAIL{background:#dc2626} .verdict.none{background:#9ca3af}
        .imei{font-size:1.5rem;font-family:ui-monospace,monospace} .links a{color:#fff;margin:0 .5rem}
        .small{font-size:.85rem}
        </style></head>
        <body>
        <header><h1>Station {{E(station.Options.Station)}} &middot; rig {{E(station.Rig)}}</h1>
        <button id="start" onclick="command('start')">Start</button><button id="stop" onclick="command('stop')">Stop</button>
        <span id="live">loading</span></header>
        <main id="slots">{{Slots(station)}}</main>
        <script>
        async function command(name) {
          await fetch('/api/' + name, { method: 'POST', headers: { '{{OperatorPage.CommandHeader}}': name } });
          refresh();
        }
        async function refresh() {
          try {
            const r = await fetch('/slots', { cache: 'no-store' });
            document.getElementById('slots').innerHTML = await r.text();
            const live = document.getElementById('live');
            live.textContent = 'live ' + new Date().toLocaleTimeString();
            live.dataset.refreshed = 'yes';
          } catch (e) {
            document.getElementById('live').textContent = 'station not reachable: ' + e;
          }
        }
        refresh();
        setInterval(refresh, 1000);
        </script>
        </body></html>
        """;

    public static string Slots(StationRunner station)
    {
        var s = new StringBuilder();
        s.Append($"<div id=\"run-state\" data-running=\"{(station.IsRunning ? "yes" : "no")}\" style=\"grid-column:1/-1\">")
         .Append(station.IsRunning ? "Running: plug modules in" : "Stopped").Append("</div>");
        foreach (var slot in station.Slots)
            s.Append(Slot(slot));
        return s.ToString();
    }

    private static string Slot(SlotView slot)
    {
        var s = new StringBuilder($"<section class=\"slot\" id=\"slot-{E(slot.Name)}\" data-state=\"{slot.State}\">");
        s.Append($"<h2>{E(slot.Name)}</h2><div class=\"conn\">{E(slot.Connection)}</div>");
        s.Append($"<div class=\"state {slot.State}\">{E(StateText(slot))}</div>");
        if (slot.State == SlotState.Testing)
        {
            var percent = slot.ScenariosTotal == 0 ? 0 : 100 * slot.ScenariosDone / slot.ScenariosTotal;
            s.Append($"<div class=\"bar\"><div style=\"width:{percent}%\"></div></div>")
             .Append($"<div class=\"small progress\">{slot.ScenariosDone}/{slot.ScenariosTotal} &middot; {E(slot.CurrentScenario)}</div>");
        }
        if (slot.Last is { } last)
        {
            s.Append($"<div class=\"verdict {last.Word}\" data-imei=\"{E(last.Imei)}\"><div class=\"word\">{last.Word}</div>")
             .Append($"<div class=\"imei\">{E(last.Imei ?? "no IMEI")}</div>")
             .Append($"<div class=\"small\">{last.Counts.Pass} passed, {last.Counts.Fail + last.Counts.Error} failed, {last.Counts.KnownDeviation} known deviations")
             .Append($" &middot; {E(last.Firmware)} &middot; {last.Finished.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}</div>");
            if (last.Error is not null)
                s.Append($"<div class=\"small\">{E(last.Error)}</div>");
            if (last.StoreError is not null)
                s.Append($"<div class=\"small\">not stored: {E(last.StoreError)}</div>");
            s.Append($"<div class=\"links\"><a href=\"/reports/{Uri.EscapeDataString(last.Report).Replace("%2F", "/")}\">report</a>");
            if (last.Imei is not null)
                s.Append($"<a href=\"/history/{Uri.EscapeDataString(last.Imei)}\">history</a>");
            s.Append("</div></div>");
        }
        else
            s.Append("<div class=\"verdict none\"><div class=\"word\">&mdash;</div><div class=\"small\">no module tested yet</div></div>");
        s.Append($"<div class=\"small\">{slot.Tested} tested on this slot</div></section>");
        return s.ToString();
    }

    private static string StateText(SlotView slot) => slot.State switch
    {
        SlotState.Testing => "Testing",
        SlotState.WaitingForModule => "Plug the next module in",
        SlotState.RemoveModule => slot.Message ?? "Done: take the module out",
        SlotState.PortBusy => slot.Message ?? "port busy",
        _ => "Stopped",
    };

    public static string History(string imei, IReadOnlyList<HistoryEntry> rows)
    {
        var s = new StringBuilder($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>history {E(imei)}</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}")
            .Append(".PASS{color:#16a34a;font-weight:700}.FAIL{color:#dc2626;font-weight:700}</style></head><body>")
            .Append($"<p><a href=\"/\">&larr; station</a></p><h1>Module {E(imei)}: {rows.Count} tests</h1>")
            .Append("<table><tr><th>run</th><th>started (UTC)</th><th>station</th><th>rig</th><th>firmware</th><th>ICCID</th><th>verdict</th><th>passed</th><th>failed</th><th>report</th></tr>");
        foreach (var r in rows)
        {
            var word = Enum.TryParse<Verdict>(r.Verdict, out var v) && v.IsSuccess() ? "PASS" : "FAIL";
            s.Append($"<tr><td>{r.RunId}</td><td>{r.Started.UtcDateTime:yyyy-MM-dd HH:mm:ss}</td><td>{E(r.Station)}</td><td>{E(r.Rig)}</td>")
             .Append($"<td>{E(r.Firmware)}</td><td>{E(r.Iccid)}</td><td class=\"{word}\">{word} ({E(r.Verdict)})</td><td>{r.Passed}</td><td>{r.Failed}</td>")
             .Append($"<td>{E(r.Report)}</td></tr>");
        }
        return s.Append("</table></body></html>").ToString();
    }
}
