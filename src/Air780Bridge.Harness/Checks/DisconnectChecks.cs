using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

/// <summary>3.14.4-1/2: after its DISCONNECT the client sends nothing more and closes the connection.</summary>
public sealed class DisconnectCheck(bool closes) : Check
{
    public override string Id => closes ? CheckIds.DisconnectCloses : CheckIds.DisconnectLastPacket;
    public override string Title => closes ? "The client closes the connection after DISCONNECT" : "Nothing sent after DISCONNECT";
    public override string Statement => closes
        ? "After sending DISCONNECT the client closes the network connection (the broker closing first leaves it unjudged)."
        : "After sending DISCONNECT the client sends no more packets on that connection.";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var allowed = closes ? $"the client's close after DISCONNECT (a connection still open {ctx.Tolerances.ResponseWindowMs:0} ms later fails)" : "DISCONNECT is the last packet";
        var ok = new List<TimelineEntry>();
        var bad = new List<(string Why, TimelineEntry[] E)>();
        var undecided = new List<string>();
        foreach (var c in Wire.ClientConnections(ctx))
        {
            var sent = c.Entries.Where(e => e.IsSent()).ToList();
            var at = sent.FindIndex(e => e.Type == "DISCONNECT");
            if (at < 0) continue;
            var disconnect = sent[at];
            if (!closes)
            {
                var later = sent.Skip(at + 1).ToList();
                if (later.Count == 0) ok.Add(disconnect);
                else bad.Add(($"{later.Count} packet(s) after {Wire.Cite(disconnect)}, first {Wire.Cite(later[0])}", [disconnect, .. later]));
                continue;
            }
            if (c.Close is { } close && Wire.ClosedByClient(close)) { ok.Add(disconnect); ok.Add(close); continue; }
            var open = Wire.Ms(disconnect.T, Wire.AliveUntil(ctx, c));
            if (open >= ctx.Tolerances.ResponseWindowMs)
                bad.Add(($"{c.Conn} still open {open:0} ms after {Wire.Cite(disconnect)} and not closed by the client", c.Close is null ? [disconnect] : [disconnect, c.Close]));
            else undecided.Add($"{c.Conn}: {(c.Close is null ? "trace ends" : $"closed by the other side ({c.Close.Detail})")} {open:0} ms after DISCONNECT");
        }
        if (bad.Count > 0) return Result(CheckVerdict.Fail, string.Join("; ", bad.Select(b => b.Why)), allowed, [.. bad.Select(b => b.Why), .. undecided], bad.SelectMany(b => b.E));
        if (ok.Count == 0)
            return undecided.Count == 0
                ? Inconclusive("the client sent no DISCONNECT", allowed)
                : Result(CheckVerdict.Inconclusive, "the broker closed first, so whether the client would have closed is not in the trace", allowed, undecided);
        return Result(CheckVerdict.Pass, closes ? "the client closed after each judged DISCONNECT" : "DISCONNECT was the last packet on each connection", allowed, undecided, ok);
    }
}
