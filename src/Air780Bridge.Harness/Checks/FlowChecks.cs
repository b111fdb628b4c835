using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

/// <summary>The connections of one client identifier in time order: the unit session state lives in.</summary>
public static class ClientSessions
{
    /// <summary>Judged connections grouped by the client id of their CONNECT (an empty or missing id is its own group).</summary>
    public static IReadOnlyList<IReadOnlyList<ClientConnection>> Of(CheckContext ctx) =>
        Wire.ClientConnections(ctx).GroupBy(c => c.Connect?.ClientId is { Length: > 0 } id ? "id:" + id : "conn:" + c.Conn)
            .Select(g => (IReadOnlyList<ClientConnection>)g.ToList()).ToList();

    /// <summary>
    /// Whether the state the client holds on <paramref name="c"/> is known from the trace: a CleanSession 1 connect
    /// starts empty; a CleanSession 0 one continues the previous connection in the trace, and is unknown when the trace
    /// does not hold that connection or the broker did not resume the session.
    /// </summary>
    private static bool StartsKnown(ClientConnection c, bool previousKnown) =>
        c.Connect?.CleanSession != false || previousKnown && c.ResumesSession;

    /// <summary>Visits every judged connection, session by session in time order, with whether its starting state is
    /// known (<see cref="StartsKnown"/>); <paramref name="reset"/> runs where a session starts empty (a new client id or CleanSession 1).</summary>
    public static void Walk(CheckContext ctx, Action reset, Action<ClientConnection, bool> visit)
    {
        foreach (var session in Of(ctx))
        {
            reset();
            var known = false;
            for (var i = 0; i < session.Count; i++)
            {
                if (session[i].Connect?.CleanSession != false) reset();
                known = StartsKnown(session[i], i > 0 && known);
                visit(session[i], known);
            }
        }
    }

    public static bool SameMessage(TimelineEntry a, TimelineEntry b) => a.Topic == b.Topic && a.Qos == b.Qos && a.PayloadSize == b.PayloadSize;
}

/// <summary>DUP 1 exactly on re-deliveries: a re-sent in-flight PUBLISH carries DUP 1, a new message DUP 0.</summary>
public sealed class PublishDupFlagCheck : Check
{
    public override string Id => CheckIds.PublishDupFlag;
    public override string Title => "DUP 1 on re-deliveries, DUP 0 on new messages";
    public override string Statement => "A QoS 1/2 PUBLISH re-sending an unacknowledged message carries DUP 1; the first send of a new message carries DUP 0.";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "re-send of an in-flight id: DUP 1; new message: DUP 0";
        var bad = new List<(string Why, TimelineEntry E)>();
        int judged = 0, resends = 0;
        var inFlight = new Dictionary<int, TimelineEntry>();
        var released = new HashSet<int>();
        ClientSessions.Walk(ctx, () => { inFlight.Clear(); released.Clear(); }, (c, known) =>
        {
            foreach (var e in c.Entries)
            {
                if (e.PacketId is not { } id || e.Kind != "packet") continue;
                if (e.IsSent("PUBLISH") && e.Qos is 1 or 2)
                {
                    if (inFlight.TryGetValue(id, out var first) && ClientSessions.SameMessage(first, e))
                    {
                        if (released.Contains(id)) continue; // a PUBLISH after its PUBREL: publish.qos2-pubrel
                        judged++; resends++;
                        if (e.Dup != true) bad.Add(($"{Wire.Cite(e)} re-sends the message first sent at {Wire.Cite(first)} with DUP 0", e));
                    }
                    else if (!inFlight.ContainsKey(id))
                    {
                        inFlight[id] = e;
                        if (!known && e.Dup == true) continue; // may re-send a message from before the trace
                        judged++;
                        if (e.Dup == true) bad.Add(($"{Wire.Cite(e)} is a new message but has DUP 1", e));
                    }
                    else inFlight[id] = e; // another message on an in-flight id: packet-id.not-reused-in-flight
                }
                else if (e.IsPacket("PUBACK", "down") && inFlight.GetValueOrDefault(id)?.Qos == 1) inFlight.Remove(id);
                else if (e.IsPacket("PUBCOMP", "down")) { inFlight.Remove(id); released.Remove(id); }
                else if (e.IsSent("PUBREL")) released.Add(id);
            }
        });
        if (judged == 0) return Inconclusive("no QoS 1/2 PUBLISH from the client whose DUP the trace can judge", allowed);
        var measured = new[] { $"{judged} QoS 1/2 PUBLISH judged, {resends} re-send(s), {bad.Count} wrong DUP" };
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{judged} PUBLISH with the right DUP ({resends} re-send(s))", allowed, measured)
            : Result(CheckVerdict.Fail, string.Join("; ", bad.Select(b => b.Why)), allowed, [.. measured, .. bad.Select(b => b.Why)], bad.Select(b => b.E));
    }
}

/// <summary>Every PUBACK, PUBREC, PUBREL and PUBCOMP the client sends answers a packet it received with that id.</summary>
public sealed class AckPacketIdCheck : Check
{
    public override string Id => CheckIds.AckPacketIdMatches;
    public override string Title => "Acknowledgements answer a packet with their id";
    public override string Statement => "PUBACK answers a received QoS 1 PUBLISH, PUBREC a QoS 2 PUBLISH, PUBCOMP a PUBREL, PUBREL a PUBREC, each with the id of the packet it answers (a QoS 0 PUBLISH gets no answer).";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "each acknowledgement carries the id of a packet it answers";
        var bad = new List<(string Why, TimelineEntry E)>();
        var acks = 0;
        // q1 and pubrelIn count copies: a broker that re-delivers a QoS 1 PUBLISH or repeats a PUBREL (one per PUBREC
        // of a duplicate delivery) is answered once per copy, and each answer is legitimate.
        // q2: QoS 2 ids received and not yet released (a repeated PUBREC is allowed); q2Owed counts the copies still
        // owed a PUBREC, which a PUBREL arriving in between (answering the first copy) does not cancel.
        HashSet<int> q2 = [], pubrecIn = [];
        Dictionary<int, int> q2Owed = [];
        Dictionary<int, int> q1 = [], pubrelIn = [];
        ClientSessions.Walk(ctx, () => { q1.Clear(); q2.Clear(); q2Owed.Clear(); pubrelIn.Clear(); pubrecIn.Clear(); }, (c, known) =>
        {
            foreach (var e in c.Entries)
            {
                if (e.PacketId is not { } id || e.Kind != "packet") continue;
                if (e.Dir == "down")
                {
                    switch (e.Type)
                    {
                        case "PUBLISH" when e.Qos == 1: Copies.Add(q1, id); break;
                        case "PUBLISH" when e.Qos == 2: q2.Add(id); Copies.Add(q2Owed, id); break;
                        case "PUBREL": Copies.Add(pubrelIn, id); q2.Remove(id); break;
                        case "PUBREC": pubrecIn.Add(id); break;
                        case "PUBCOMP": pubrecIn.Remove(id); break;
                    }
                    continue;
                }
                string? why = e.Type switch
                {
                    "PUBACK" => Copies.Take(q1, id) ? null : q2.Contains(id) || q2Owed.ContainsKey(id) ? "answers a QoS 2 PUBLISH with PUBACK (needs PUBREC)" : "answers no QoS 1 PUBLISH received with that id",
                    "PUBREC" => Copies.Take(q2Owed, id) || q2.Contains(id) ? null : q1.ContainsKey(id) ? "answers a QoS 1 PUBLISH with PUBREC (needs PUBACK)" : "answers no QoS 2 PUBLISH received with that id",
                    "PUBCOMP" => Copies.Take(pubrelIn, id) ? null : "answers no PUBREL received with that id",
                    "PUBREL" => pubrecIn.Contains(id) ? null : "answers no PUBREC received with that id",
                    _ => "",
                };
                if (why == "") continue;
                acks++;
                // Unknown session state (a resumed session begun before the trace): an unmatched id may answer a packet of then.
                if (why is not null && known) bad.Add(($"{Wire.Cite(e)} {why}", e));
            }
        });
        if (acks == 0) return Inconclusive("the client sent no PUBACK, PUBREC, PUBREL or PUBCOMP", allowed);
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{acks} acknowledgement(s) each answer a packet with their id", allowed, [$"{acks} acknowledgement(s)"])
            : Result(CheckVerdict.Fail, string.Join("; ", bad.Select(b => b.Why)), allowed, bad.Select(b => b.Why), bad.Select(b => b.E));
    }
}

/// <summary>A multiset of packet ids: how many received copies of each are still unanswered.</summary>
internal static class Copies
{
    public static void Add(Dictionary<int, int> copies, int id) => copies[id] = copies.GetValueOrDefault(id) + 1;

    public static bool Take(Dictionary<int, int> copies, int id)
    {
        if (!copies.TryGetValue(id, out var n)) return false;
        if (n == 1) copies.Remove(id); else copies[id] = n - 1;
        return true;
    }
}

/// <summary>QoS 2 sender: a PUBREL with the same id answers each PUBREC, and the PUBLISH is not re-sent after its PUBREL.</summary>
public sealed class Qos2PubrelCheck : Check
{
    public override string Id => CheckIds.PublishQos2Pubrel;
    public override string Title => "QoS 2: PUBREL answers PUBREC; no PUBLISH re-send after PUBREL";
    public override string Statement => "For its own QoS 2 PUBLISH the client answers the broker's PUBREC with a PUBREL carrying the same id, and never re-sends that PUBLISH after sending the PUBREL.";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var allowed = $"PUBREL with the id within the trace (a connection open {ctx.Tolerances.ResponseWindowMs:0} ms without one fails); no PUBLISH of the id between PUBREL and PUBCOMP";
        var bad = new List<(string Why, TimelineEntry[] E)>();
        var judged = 0;
        foreach (var session in ClientSessions.Of(ctx))
        {
            var ownQos2 = new HashSet<int>();
            foreach (var c in session)
            {
                var released = new Dictionary<int, TimelineEntry>();
                for (var i = 0; i < c.Entries.Count; i++)
                {
                    var e = c.Entries[i];
                    if (e.PacketId is not { } id || e.Kind != "packet") continue;
                    if (e.IsSent("PUBLISH") && e.Qos == 2)
                    {
                        if (released.TryGetValue(id, out var rel)) bad.Add(($"{Wire.Cite(e)} re-sends the PUBLISH after its PUBREL at {Wire.Cite(rel)}", [rel, e]));
                        ownQos2.Add(id);
                    }
                    else if (e.IsSent("PUBREL")) released[id] = e;
                    else if (e.IsPacket("PUBCOMP", "down")) { released.Remove(id); ownQos2.Remove(id); }
                    else if (e.IsPacket("PUBREC", "down") && ownQos2.Contains(id))
                    {
                        var answer = c.Entries.Skip(i + 1).FirstOrDefault(x => x.IsSent("PUBREL") && x.PacketId == id);
                        if (answer is not null) { judged++; continue; }
                        if (Wire.Ms(e.T, Wire.AliveUntil(ctx, c)) < ctx.Tolerances.ResponseWindowMs) continue; // no time to answer
                        judged++;
                        bad.Add(($"{Wire.Cite(e)} never answered with PUBREL ({Wire.Ms(e.T, Wire.AliveUntil(ctx, c)):0} ms open after it)", [e]));
                    }
                }
            }
        }
        if (judged == 0 && bad.Count == 0) return Inconclusive("no PUBREC to a client QoS 2 PUBLISH that the trace can judge", allowed);
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{judged} PUBREC(s) answered with PUBREL", allowed, [$"{judged} PUBREC(s) answered"])
            : Result(CheckVerdict.Fail, string.Join("; ", bad.Select(b => b.Why)), allowed, bad.Select(b => b.Why), bad.SelectMany(b => b.E));
    }
}

/// <summary>4.6.0-2..4: the client answers in the order the packets it answers arrived, per connection.</summary>
public sealed class AckOrderCheck : Check
{
    private readonly string _trigger, _response;
    private readonly int? _qos;

    private AckOrderCheck(string id, string trigger, int? qos, string response) { Id = id; _trigger = trigger; _qos = qos; _response = response; }

    public static AckOrderCheck Puback { get; } = new(CheckIds.OrderPuback, "PUBLISH", 1, "PUBACK");
    public static AckOrderCheck Pubrec { get; } = new(CheckIds.OrderPubrec, "PUBLISH", 2, "PUBREC");
    public static AckOrderCheck Pubrel { get; } = new(CheckIds.OrderPubrel, "PUBREC", null, "PUBREL");

    public override string Id { get; }
    private string TriggerText => _qos is { } q ? $"QoS {q} PUBLISH" : _trigger;
    public override string Title => $"{_response}s in the order their {TriggerText} arrived";
    public override string Statement => $"On each connection the client sends its {_response}s in the order in which the {TriggerText} they answer were received.";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var allowed = $"{_response} order = order of arrival of the {TriggerText}";
        var bad = new List<(string Why, TimelineEntry[] E)>();
        var judgedConns = 0;
        foreach (var c in Wire.ClientConnections(ctx))
        {
            var pending = new List<(int Id, long Seq, TimelineEntry E)>();
            long seq = 0;
            (long Seq, TimelineEntry Trigger, TimelineEntry Response)? last = null;
            var responses = 0;
            foreach (var e in c.Entries)
            {
                if (e.PacketId is not { } id || e.Kind != "packet") continue;
                if (e.IsPacket(_trigger, "down") && (_qos is null || e.Qos == _qos) && pending.All(p => p.Id != id)) pending.Add((id, seq++, e));
                else if (e.IsSent(_response) && pending.FindIndex(p => p.Id == id) is var at and >= 0)
                {
                    var trigger = pending[at];
                    pending.RemoveAt(at);
                    responses++;
                    if (last is { } prev && trigger.Seq < prev.Seq)
                        bad.Add(($"{Wire.Cite(e)} answers {Wire.Cite(trigger.E)} after {Wire.Cite(prev.Response)} answered the later {Wire.Cite(prev.Trigger)}", [trigger.E, prev.Trigger, prev.Response, e]));
                    if (last is null || trigger.Seq > last.Value.Seq) last = (trigger.Seq, trigger.E, e);
                }
            }
            if (responses >= 2) judgedConns++;
        }
        if (judgedConns == 0 && bad.Count == 0) return Inconclusive($"no connection with two or more {_response}s to order", allowed);
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{_response}s in arrival order on {judgedConns} connection(s)", allowed, [$"{judgedConns} connection(s) with ≥ 2 {_response}s"])
            : Result(CheckVerdict.Fail, string.Join("; ", bad.Select(b => b.Why)), allowed, bad.Select(b => b.Why), bad.SelectMany(b => b.E));
    }
}

/// <summary>
/// 4.4.0-1 and 4.6.0-1: reconnecting with CleanSession 0 to a session the broker kept, the client re-sends each
/// unacknowledged PUBLISH (QoS&gt;0) and PUBREL with its original id, the PUBLISHes in their original order.
/// </summary>
public sealed class SessionResendCheck(bool order) : Check
{
    public override string Id => order ? CheckIds.OrderResend : CheckIds.SessionResendUnacked;
    public override string Title => order ? "Re-sent PUBLISHes in their original order" : "Unacknowledged messages re-sent on a resumed session";
    public override string Statement => order
        ? "After reconnecting with CleanSession 0, the client re-sends its unacknowledged QoS 1/2 PUBLISHes in the order it first sent them."
        : "After reconnecting with CleanSession 0 (session present), the client re-sends every unacknowledged QoS 1/2 PUBLISH and PUBREL with its original packet id.";
    protected override string? Reference => order ? null : "luatos-mqtt-behaviour.md §5 (the firmware keeps no outbound session: a documented deviation when a profile is given)";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var allowed = order ? "re-sends in the order of the first sends"
            : $"each unacknowledged PUBLISH/PUBREL re-sent with its id after the CONNACK (judged once the connection stayed open {ctx.Tolerances.ResponseWindowMs:0} ms)";
        var missing = new List<(string Why, TimelineEntry E)>();
        var found = new List<string>();
        var inversions = new List<(string Why, TimelineEntry[] E)>();
        var orderJudged = 0;
        foreach (var session in ClientSessions.Of(ctx))
            for (var i = 1; i < session.Count; i++)
            {
                var (prev, next) = (session[i - 1], session[i]);
                if (!next.ResumesSession || next.Connack is not { } connack) continue;
                var owed = Owed(prev);
                if (owed.Count == 0) continue;
                var after = next.Entries.Where(e => e.T >= connack.T && e.IsSent()).ToList();
                var resent = new List<(TimelineEntry Original, TimelineEntry Resend)>();
                foreach (var (o, type) in owed)
                {
                    var r = after.FirstOrDefault(e => e.Type == type && e.PacketId == o.PacketId);
                    if (r is not null) { found.Add($"{Wire.Cite(o)}: {type} re-sent as {Wire.Cite(r)}"); if (type == "PUBLISH") resent.Add((o, r)); }
                    else if (Wire.Ms(connack.T, Wire.AliveUntil(ctx, next)) >= ctx.Tolerances.ResponseWindowMs)
                        missing.Add(($"{Wire.Cite(o)} unacknowledged when {prev.Conn} closed, its {type} not re-sent on {next.Conn}", o));
                }
                if (resent.Count < 2) continue;
                orderJudged++;
                // Positions, not times: packets in one TCP segment share a timestamp.
                var byResend = resent.OrderBy(r => IndexIn(next, r.Resend)).ToList();
                for (var k = 1; k < byResend.Count; k++)
                    if (IndexIn(prev, byResend[k].Original) < IndexIn(prev, byResend[k - 1].Original))
                        inversions.Add(($"{Wire.Cite(byResend[k].Resend)} (first sent {Wire.Cite(byResend[k].Original)}) re-sent after {Wire.Cite(byResend[k - 1].Resend)} (first sent later)",
                            [byResend[k - 1].Resend, byResend[k].Resend]));
            }
        if (order)
        {
            if (orderJudged == 0) return Inconclusive("no resumed session with two or more re-sent PUBLISHes", allowed);
            return inversions.Count == 0
                ? Result(CheckVerdict.Pass, $"re-sends in order on {orderJudged} resumed session(s)", allowed, found)
                : Result(CheckVerdict.Fail, string.Join("; ", inversions.Select(b => b.Why)), allowed, inversions.Select(b => b.Why), inversions.SelectMany(b => b.E));
        }
        if (missing.Count == 0)
            return found.Count == 0
                ? Inconclusive("no reconnect with CleanSession 0 to a kept session while messages were unacknowledged", allowed)
                : Result(CheckVerdict.Pass, $"{found.Count} unacknowledged message(s) re-sent with their ids", allowed, found);
        var measured = missing.Select(m => m.Why).Concat(found).ToList();
        return ctx.Expectation.Firmware is { KeepsOutboundSession: false }
            ? Result(CheckVerdict.KnownDeviation, $"{missing.Count} message(s) not re-sent: the firmware keeps no outbound session (luatos-mqtt-behaviour.md §5)", allowed, measured, missing.Select(m => m.E))
            : Result(CheckVerdict.Fail, string.Join("; ", missing.Select(m => m.Why)), allowed, measured, missing.Select(m => m.E));
    }

    private static int IndexIn(ClientConnection c, TimelineEntry e) => c.Entries.ToList().IndexOf(e);

    /// <summary>What the client still owes when <paramref name="c"/> ends: its PUBLISHes not finally acknowledged (or not
    /// yet PUBREC'd) and, for a PUBREC'd QoS 2 id, the PUBREL.</summary>
    private static List<(TimelineEntry Publish, string Owes)> Owed(ClientConnection c)
    {
        var owed = new Dictionary<int, (TimelineEntry Publish, string Owes)>();
        foreach (var e in c.Entries)
        {
            if (e.PacketId is not { } id || e.Kind != "packet") continue;
            if (e.IsSent("PUBLISH") && e.Qos is 1 or 2 && !owed.ContainsKey(id)) owed[id] = (e, "PUBLISH");
            else if (e.IsPacket("PUBACK", "down") && owed.GetValueOrDefault(id).Publish?.Qos == 1 || e.IsPacket("PUBCOMP", "down")) owed.Remove(id);
            else if (e.IsPacket("PUBREC", "down") && owed.TryGetValue(id, out var p) && p.Publish.Qos == 2) owed[id] = (p.Publish, "PUBREL");
        }
        return owed.Values.OrderBy(o => o.Publish.T).ToList();
    }
}
