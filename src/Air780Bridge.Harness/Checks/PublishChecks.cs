using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

/// <summary>Outbound QoS1/QoS2 flows: the acknowledgement arrives and the module's "sent" follows the final acknowledgement.</summary>
public sealed class OutboundFlowCheck(int qos) : Check
{
    private string Final => qos == 1 ? "PUBACK" : "PUBCOMP";
    public override string Id => qos == 1 ? CheckIds.PublishQos1SentAfterPuback : CheckIds.PublishQos2SentAfterPubcomp;
    public override string Title => qos == 1 ? "QoS1: sent only after PUBACK" : "QoS2: sent only after PUBCOMP";
    public override string Statement => qos == 1
        ? "For each QoS1 PUBLISH the module raises \"sent\" for that id only after the broker's PUBACK (the message stays unacknowledged until then)."
        : "For each QoS2 PUBLISH the module raises \"sent\" for that id only after the broker's PUBCOMP (PUBREL and its flags are judged by publish.qos2-pubrel and packet.reserved-flags).";
    public override CheckSubject Subject => CheckSubject.Firmware;
    protected override string? Reference => qos == 1 ? "luatos-mqtt-behaviour.md §4" : "luatos-mqtt-behaviour.md §6";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var allowed = $"\"sent\" for an id after the {Final} with that id reached the module";
        var t = ctx.Timeline;
        var flows = Flows(Wire.OnModuleConnections(ctx).Where(e => e.IsPacket("PUBLISH", "up") && e.Qos == qos && e.PacketId is not null));
        if (flows.Count == 0) return Inconclusive($"no QoS{qos} PUBLISH from the module in the timeline", allowed);
        var problems = new List<string>();
        var measured = new List<string>();
        var evidence = new List<TimelineEntry>();
        var judged = 0;
        var withheld = 0;
        var lastSent = new Dictionary<int, long>();
        foreach (var flow in flows)
        {
            var first = flow[0];
            var id = first.PacketId!.Value;
            // The module's events reach the host over the link, so a "sent" may be logged a little before the tap
            // logged the PUBLISH itself: it belongs to this flow if it follows the id's previous flow.
            var after = lastSent.TryGetValue(id, out var prev) ? prev : long.MinValue;
            var sent = t.FirstOrDefault(e => e.T > after && e.IsModule("sent") && e.PacketId == id);
            var final = flow.Select(p => Wire.FirstDelivered(t, p.Conn, Final, id, p.T)).Where(f => f is not null).MinBy(f => f!.T);
            if (t.Any(e => e is { Kind: "fault", Type: "withheld" } && e.PacketId == id && e.T >= first.T && (final is null || e.T < final.T)
                           && e.Detail?.StartsWith(Final + " ", StringComparison.Ordinal) == true)) withheld++;
            evidence.AddRange(flow);
            if (final is not null) evidence.Add(final);
            if (sent is null) { measured.Add($"id {id}: no \"sent\" event"); continue; }
            lastSent[id] = sent.T;
            evidence.Add(sent);
            judged++;
            // The tap logs the ack before it forwards it and the host logs "sent" after the module raised it, so a
            // compliant module's "sent" always follows its ack here; the reverse order, or no ack at all, is the violation.
            if (final is null) { problems.Add($"id {id}: \"sent\" at {sent.T}us before any {Final} reached the module"); measured.Add($"id {id}: sent without {Final}"); }
            else if (sent.T < final.T - ctx.Tolerances.ClockSkewUs) { problems.Add($"id {id}: \"sent\" at {sent.T}us before the {Final} at {final.T}us"); measured.Add($"id {id}: sent {Wire.Ms(sent.T, final.T):0} ms before {Final}"); }
            else measured.Add($"id {id}: sent {Wire.Ms(final.T, sent.T):0} ms after {Final}");
        }
        if (withheld > 0) measured.Add($"{withheld} {Final}(s) withheld by the tap");
        if (problems.Count > 0) return Result(CheckVerdict.Fail, string.Join("; ", problems), allowed, measured, evidence);
        return judged == 0
            ? Result(CheckVerdict.Inconclusive, $"no module \"sent\" events for the QoS{qos} ids; the trace lacks module-side entries", allowed, measured, evidence)
            : Result(CheckVerdict.Pass, $"{judged} QoS{qos} publish(es) reported sent after {Final}", allowed, measured, evidence);
    }

    /// <summary>The module's QoS publishes grouped per message: a re-send of the same message under its id (on a
    /// resumed connection too) joins the first send; a new message under the id starts a new flow.</summary>
    private static List<List<TimelineEntry>> Flows(IEnumerable<TimelineEntry> publishes)
    {
        var flows = new List<List<TimelineEntry>>();
        var open = new Dictionary<int, List<TimelineEntry>>();
        foreach (var p in publishes)
        {
            var id = p.PacketId!.Value;
            if (open.TryGetValue(id, out var flow) && ClientSessions.SameMessage(flow[0], p)) { flow.Add(p); continue; }
            open[id] = flow = [p];
            flows.Add(flow);
        }
        return flows;
    }
}

public sealed class PacketIdNonZeroCheck : Check
{
    public override string Id => CheckIds.PacketIdNonZero;
    public override string Title => "Packet ids are non-zero";
    public override string Statement => "SUBSCRIBE, UNSUBSCRIBE and PUBLISH (QoS>0) carry a non-zero packet identifier.";
    protected override string? Reference => "luatos-mqtt-behaviour.md §5 (EC618 ≤V1120, EC7xx ≤V2024 wrap to 0)";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "1..65535";
        var withIds = Wire.OnModuleConnections(ctx).Where(e => e.IsUp() && e.PacketId is not null &&
                                              (e.Type is "SUBSCRIBE" or "UNSUBSCRIBE" || e.Type == "PUBLISH" && e.Qos > 0)).ToList();
        if (withIds.Count == 0) return Inconclusive("no module packet carrying a packet id", allowed);
        var zeros = withIds.Where(e => e.PacketId == 0).ToList();
        var measured = new[] { $"{withIds.Count} id(s), {zeros.Count} zero" };
        if (zeros.Count == 0) return Result(CheckVerdict.Pass, "all packet ids non-zero", allowed, measured, withIds.Take(3));
        return ctx.Expectation.WrapsPacketIdToZero
            ? Result(CheckVerdict.KnownDeviation, $"id 0 used; firmware profile {ctx.Expectation.Profile} wraps the counter 65535→0 (fixed 2026-02-14, V2026+)", allowed, measured, zeros)
            : Result(CheckVerdict.Fail, "id 0 used by firmware that should skip 0 on wrap", allowed, measured, zeros);
    }
}

public sealed class PacketIdInFlightCheck : Check
{
    public override string Id => CheckIds.PacketIdNotReusedInFlight;
    public override string Title => "Packet ids not reused while in flight";
    public override string Statement => "A packet id is not used for a new QoS>0 PUBLISH/SUBSCRIBE/UNSUBSCRIBE while its previous use is unacknowledged.";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "no id reused before its final acknowledgement";
        var inFlight = new Dictionary<(string?, int), TimelineEntry>();
        var reuses = new List<TimelineEntry>();
        var uses = 0;
        foreach (var e in Wire.OnModuleConnections(ctx))
        {
            if (e.IsConnection("close")) { foreach (var k in inFlight.Keys.Where(k => k.Item1 == e.Conn).ToList()) inFlight.Remove(k); continue; }
            if (e.PacketId is not { } id || e.Kind != "packet") continue;
            var key = (e.Conn, id);
            if (e.IsUp() && (e.Type is "SUBSCRIBE" or "UNSUBSCRIBE" || e.Type == "PUBLISH" && e.Qos > 0))
            {
                uses++;
                // The same message again is a re-send (its DUP is judged by publish.dup-flag), not a new use of the id.
                if (inFlight.TryGetValue(key, out var prev) && (prev.Type != e.Type || e.Type == "PUBLISH" && !ClientSessions.SameMessage(prev, e))) { reuses.Add(prev); reuses.Add(e); }
                inFlight[key] = e;
            }
            else if (e.IsDown() && e.Type is "PUBACK" or "PUBCOMP" or "SUBACK" or "UNSUBACK") inFlight.Remove(key);
        }
        if (uses == 0) return Inconclusive("no module packet carrying a packet id", allowed);
        return reuses.Count == 0
            ? Result(CheckVerdict.Pass, $"{uses} id use(s), none reused in flight", allowed, [$"{uses} uses"])
            : Result(CheckVerdict.Fail, $"{reuses.Count / 2} id(s) reused while in flight", allowed, reuses.Select(r => $"{r.Type} id {r.PacketId}@{r.T}us"), reuses);
    }
}

/// <summary>Inbound QoS1 → PUBACK; inbound QoS2 → PUBREC, then PUBCOMP after the broker's PUBREL.</summary>
public sealed class InboundAckCheck(int qos) : Check
{
    public override string Id => qos == 1 ? CheckIds.InboundQos1Puback : CheckIds.InboundQos2PubrecPubcomp;
    public override string Title => qos == 1 ? "Inbound QoS1 answered with PUBACK" : "Inbound QoS2 answered with PUBREC, then PUBCOMP";
    public override string Statement => qos == 1
        ? "The receiver of a QoS1 PUBLISH responds with a PUBACK carrying its packet id."
        : "The receiver of a QoS2 PUBLISH responds with PUBREC, and with PUBCOMP after the PUBREL, carrying its packet id.";
    protected override string? Reference => "luatos-mqtt-behaviour.md §6";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var allowed = (qos == 1 ? "PUBACK with the same id on the same connection" : "PUBREC then (after PUBREL) PUBCOMP with the same id")
                      + $" (unanswered on a connection open {ctx.Tolerances.ResponseWindowMs:0} ms after it fails)";
        var missing = new List<string>();
        var undecided = 0;
        var evidence = new List<TimelineEntry>();
        var inbound = 0;
        foreach (var c in Wire.ClientConnections(ctx))
        {
            var alive = Wire.AliveUntil(ctx, c);
            foreach (var p in c.Entries.Where(e => e.IsPacket("PUBLISH", "down") && e.Qos == qos && e.PacketId is not null))
            {
                inbound++;
                TimelineEntry? After(string type, string dir, long from) => c.Entries.FirstOrDefault(e => e.T >= from && e.IsPacket(type, dir) && e.PacketId == p.PacketId);
                // MQTT sets no deadline: no answer on a connection that closed (or a trace that ended) soon after is not a violation.
                bool TooSoon(TimelineEntry from) => Wire.Ms(from.T, alive) < ctx.Tolerances.ResponseWindowMs;
                var first = After(qos == 1 ? "PUBACK" : "PUBREC", "up", p.T);
                if (first is null)
                {
                    if (TooSoon(p)) { undecided++; continue; }
                    evidence.Add(p);
                    missing.Add($"{Wire.Cite(p)}: no {(qos == 1 ? "PUBACK" : "PUBREC")}");
                    continue;
                }
                evidence.Add(p);
                evidence.Add(first);
                if (qos == 2 && After("PUBREL", "down", first.T) is { } rel)
                {
                    if (After("PUBCOMP", "up", rel.T) is { } comp) evidence.AddRange([rel, comp]);
                    else if (TooSoon(rel)) undecided++;
                    else { evidence.Add(rel); missing.Add($"{Wire.Cite(rel)} not answered with PUBCOMP"); }
                }
            }
        }
        if (inbound == 0) return Inconclusive($"no QoS{qos} PUBLISH to the client in the timeline", allowed);
        var measured = new[] { $"{inbound} inbound, {missing.Count} unanswered, {undecided} with no time to answer before the connection ended" };
        if (missing.Count > 0) return Result(CheckVerdict.Fail, string.Join("; ", missing), allowed, measured, evidence);
        return evidence.Count == 0
            ? Result(CheckVerdict.Inconclusive, "every inbound publish ended with its connection before an answer was due", allowed, measured)
            : Result(CheckVerdict.Pass, $"all {inbound - undecided} inbound QoS{qos} publish(es) answered", allowed, measured, evidence);
    }
}
