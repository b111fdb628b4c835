using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

/// <summary>
/// The broker publishes a connection's will after an abrupt loss and not after DISCONNECT: a check of the harness
/// broker (the statements bind the Server). Each close is judged against the will its own CONNECT registered, and a
/// delivery counts only when it matches that will (topic, QoS-capped size) and no other source could have sent it.
/// </summary>
public sealed class WillCheck : Check
{
    public override string Id => CheckIds.WillOnAbruptLossOnly;
    public override string Title => "Broker: will published on abrupt loss, not after DISCONNECT";
    public override string Statement => "The broker publishes the will when a connection that registered one closes without DISCONNECT, and discards it after DISCONNECT (judges the broker, not the module).";
    public override CheckSubject Subject => CheckSubject.Broker;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "will PUBLISH to a subscriber after each abrupt close; none after DISCONNECT";
        var t = ctx.Timeline;
        var judged = Wire.ClientConnections(ctx).Where(c => c.Connect?.WillTopic is not null && c.Close is not null).ToList();
        if (judged.Count == 0) return Inconclusive("no closed connection of the client registered a will", allowed);
        var judgedConns = judged.Select(c => c.Conn).ToHashSet();
        if (!t.Any(e => e.IsConnection("open") && e.Conn is not null && !judgedConns.Contains(e.Conn)))
            return Inconclusive("no subscriber connection recorded, so will delivery cannot be observed", allowed);
        var problems = new List<string>();
        var measured = new List<string>();
        var evidence = new List<TimelineEntry>();
        var decided = 0;
        foreach (var c in judged)
        {
            var (connect, close) = (c.Connect!, c.Close!);
            var topic = connect.WillTopic!;
            var graceful = c.Entries.Any(e => e.IsSent("DISCONNECT") && e.T <= close.T);
            // Another possible source of a PUBLISH on the topic after this close: a publish by another connection, or
            // another connection with a will on the same topic closing.
            bool OtherSource(long from, long to) => t.Any(e => e.T >= from && e.T <= to && e.Conn != c.Conn &&
                (e.IsSent("PUBLISH") && e.Topic == topic || e.IsConnection("close") && t.Any(x => x.Conn == e.Conn && x.IsSent("CONNECT") && x.WillTopic == topic)));
            var windowEnd = close.T + (long)(ctx.Tolerances.ResponseWindowMs * 1000);
            var delivered = t.FirstOrDefault(e => e.T >= close.T && e.T <= windowEnd && e.IsPacket("PUBLISH", "down") && e.Conn != c.Conn &&
                                                  e.Topic == topic && (connect.WillPayloadSize is null || e.PayloadSize == connect.WillPayloadSize));
            evidence.Add(close);
            if (delivered is not null && OtherSource(close.T - (long)(ctx.Tolerances.ResponseWindowMs * 1000), delivered.T))
            {
                measured.Add($"{c.Conn}: a PUBLISH on {topic} after the close has another possible source; not judged");
                continue;
            }
            if (delivered is not null) evidence.Add(delivered);
            if (delivered is null && Wire.Ms(close.T, t.Max(e => e.T)) < ctx.Tolerances.ResponseWindowMs) { measured.Add($"{c.Conn}: the trace ends too soon after the close to tell"); continue; }
            decided++;
            measured.Add($"{c.Conn} {(graceful ? "after DISCONNECT" : "abrupt")}: will {(delivered is null ? "not published" : "published")}");
            if (graceful && delivered is not null) problems.Add($"{c.Conn}: will published although DISCONNECT was sent ({Wire.Cite(delivered)})");
            if (!graceful && delivered is null) problems.Add($"{c.Conn}: abrupt loss but no will published within {ctx.Tolerances.ResponseWindowMs:0} ms");
        }
        if (problems.Count > 0) return Result(CheckVerdict.Fail, string.Join("; ", problems), allowed, measured, evidence);
        return decided == 0
            ? Result(CheckVerdict.Inconclusive, "no close whose will delivery the trace can attribute", allowed, measured, evidence)
            : Result(CheckVerdict.Pass, $"{decided} close(s) judged", allowed, measured, evidence);
    }
}

public sealed class ReconnectPeriodCheck : Check
{
    public override string Id => CheckIds.ReconnectPeriod;
    public override string Title => "Reconnect at the autoreconn period, no backoff";
    public override string Statement => "After every close (including failed attempts) the next connection attempt opens after exactly the autoreconn period (one-shot timer, no backoff, no jitter).";
    protected override string? Reference => "luatos-mqtt-behaviour.md §2 (autoreconn)";
    public override CheckSubject Subject => CheckSubject.Firmware;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        if (ctx.Expectation.Firmware is null) return Inconclusive("a LuatOS timer rule: judged only with a firmware profile (--profile)", "n/a");
        if (ctx.Expectation.AutoReconnectMs is not { } period) return Inconclusive("autoreconn period not configured in the expectation", "n/a");
        var allowed = ctx.Tolerances.Range(period);
        var t = ctx.Timeline;
        // Attempts that fail before CONNECT (TCP opened, then closed) also restart the timer, so every connection not
        // known to belong to another client counts; the attempt starts at its TCP open.
        var moduleConns = Wire.ModuleConnections(ctx).ToHashSet();
        var otherClients = t.Where(e => e.IsPacket("CONNECT", "up") && e.Conn is not null && !moduleConns.Contains(e.Conn)).Select(e => e.Conn!).ToHashSet();
        bool Ours(TimelineEntry e) => e.Conn is not null && !otherClients.Contains(e.Conn);
        var closes = t.Where(e => e.IsConnection("close") && Ours(e)).ToList();
        var intervals = new List<(double Ms, TimelineEntry Close, TimelineEntry Next)>();
        foreach (var close in closes)
        {
            var next = t.FirstOrDefault(e => e.T > close.T && e.Conn != close.Conn && Ours(e) && (e.IsConnection("open") || e.IsPacket("CONNECT", "up")));
            if (next is not null) intervals.Add((Wire.Ms(close.T, next.T), close, next));
        }
        if (intervals.Count == 0) return Inconclusive("no close followed by a reconnect in the timeline", allowed);
        var measured = intervals.Select(i => $"{i.Close.Conn}→{i.Next.Conn}: {i.Ms:0} ms").ToList();
        var (bad, stalled, stalls) = OffTolerance(ctx, intervals, i => ctx.Tolerances.Interval(i.Close.T, i.Next.T, period));
        var timing = new CheckTiming("close -> next reconnect attempt", intervals.Select(i => i.Ms).ToList(), ctx.Tolerances.RangeFor(period));
        if (bad.Count == 0 && stalled.Count > 0)
            return HostStalled(stalled.Count, intervals.Count, "reconnect interval(s)", allowed, measured, stalls, stalled.SelectMany(i => new[] { i.Close, i.Next }), timing);
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{intervals.Count} reconnect(s) within tolerance", allowed, measured, intervals.SelectMany(i => new[] { i.Close, i.Next }), timing)
            : Result(CheckVerdict.Fail, $"{bad.Count} of {intervals.Count} reconnect interval(s) outside {allowed}", allowed, measured, bad.SelectMany(i => new[] { i.Close, i.Next }), timing);
    }
}

/// <summary>
/// LuatOS never re-sends an unacknowledged publish after reconnecting and never sets DUP (a documented deviation from
/// [MQTT-4.4.0-1]). A trace that shows a re-send therefore contradicts the reference and fails.
/// </summary>
public sealed class NoResendAfterReconnectCheck : Check
{
    public override string Id => CheckIds.ReconnectNoResend;
    public override string Title => "No re-send of unacknowledged publishes, DUP never set";
    public override string Statement => "The firmware keeps no outbound session state: after a reconnect nothing unacknowledged is re-sent and DUP is never set (deviates from [MQTT-4.4.0-1]).";
    protected override string? Reference => "luatos-mqtt-behaviour.md §5 (deviates from [MQTT-4.4.0-1])";
    public override CheckSubject Subject => CheckSubject.Firmware;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "no DUP=1 and no re-send of an in-flight id after reconnect (reference behaviour)";
        if (ctx.Expectation.Firmware is null) return Inconclusive("LuatOS reference behaviour: judged only with a firmware profile (--profile); session.resend-unacked judges plain MQTT", allowed);
        var t = ctx.Timeline;
        var up = Wire.OnModuleConnections(ctx).Where(e => e.IsPacket("PUBLISH", "up")).ToList();
        var dups = up.Where(e => e.Dup == true).ToList();
        if (dups.Count > 0)
            return Result(CheckVerdict.Fail, "firmware behaves differently from the reference: PUBLISH with DUP=1 seen", allowed,
                dups.Select(d => $"DUP id {d.PacketId} on {d.Conn}"), dups);
        // Publishes left unacknowledged when their connection closed.
        var stranded = new List<TimelineEntry>();
        foreach (var p in up.Where(e => e.Qos > 0 && e.PacketId is not null))
        {
            var final = p.Qos == 1 ? "PUBACK" : "PUBCOMP";
            var close = t.FirstOrDefault(e => e.T >= p.T && e.Conn == p.Conn && e.IsConnection("close"));
            var ack = Wire.FirstDelivered(t, p.Conn, final, p.PacketId, p.T);
            if (close is not null && (ack is null || ack.T > close.T)) stranded.Add(p);
        }
        if (stranded.Count == 0) return Inconclusive("no QoS>0 publish was in flight when a connection dropped", allowed);
        var resent = stranded.Where(s => up.Any(e => e.Conn != s.Conn && e.T > s.T && e.PacketId == s.PacketId && e.Topic == s.Topic && e.PayloadSize == s.PayloadSize)).ToList();
        var measured = stranded.Select(s => $"id {s.PacketId} in flight at drop: {(resent.Contains(s) ? "re-sent" : "not re-sent")}").ToList();
        return resent.Count > 0
            ? Result(CheckVerdict.Fail, "firmware behaves differently from the reference: an in-flight publish was re-sent after reconnect", allowed, measured, resent)
            : Result(CheckVerdict.KnownDeviation, $"{stranded.Count} unacknowledged publish(es) lost at the drop and not re-sent, as the reference documents", allowed, measured, stranded);
    }
}

public sealed class SubscribePerTopicCheck : Check
{
    public override string Id => CheckIds.SubscribePerTopic;
    public override string Title => "Table subscribe sends one SUBSCRIBE per topic";
    public override string Statement => "subscribe({[topic]=qos,...}) sends one SUBSCRIBE packet per topic, each with its own id.";
    protected override string? Reference => "luatos-mqtt-behaviour.md §5";
    public override CheckSubject Subject => CheckSubject.Firmware;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        if (ctx.Expectation.SubscribeTopics is not { Count: > 0 } topics) return Inconclusive("no subscribe topics in the expectation", "n/a");
        var allowed = $"exactly one SUBSCRIBE for each of {topics.Count} topic(s), distinct ids";
        var subs = ctx.Timeline.Where(e => e.IsPacket("SUBSCRIBE", "up")).ToList();
        if (subs.Count == 0) return Inconclusive("no SUBSCRIBE from the module in the timeline", allowed);
        var problems = new List<string>();
        var measured = new List<string>();
        foreach (var topic in topics)
        {
            var n = subs.Count(s => s.Topic == topic);
            measured.Add($"{topic}: {n}");
            if (n != 1) problems.Add($"{topic}: {n} SUBSCRIBE(s)");
        }
        var matching = subs.Where(s => topics.Contains(s.Topic!)).ToList();
        if (matching.Select(s => s.PacketId).Distinct().Count() != matching.Count) problems.Add("SUBSCRIBE packets share a packet id");
        return problems.Count == 0
            ? Result(CheckVerdict.Pass, $"one SUBSCRIBE per topic ({topics.Count})", allowed, measured, matching)
            : Result(CheckVerdict.Fail, string.Join("; ", problems), allowed, [.. measured, .. subs.Select(Wire.Cite)], subs);
    }
}

public sealed class RetainedDeliveryCheck : Check
{
    public override string Id => CheckIds.SubscribeRetainedDelivered;
    public override string Title => "Broker: retained message delivered after SUBSCRIBE";
    public override string Statement => "After a SUBSCRIBE matching a retained message, the broker delivers it with RETAIN=1 and the module raises \"recv\".";
    public override CheckSubject Subject => CheckSubject.Broker;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "a RETAIN=1 PUBLISH to the module after its SUBSCRIBE, and a module \"recv\" for that topic";
        var t = ctx.Timeline;
        var moduleConns = Wire.ModuleConnections(ctx).ToHashSet();
        var sub = t.FirstOrDefault(e => e.IsPacket("SUBSCRIBE", "up") && moduleConns.Contains(e.Conn!));
        if (sub is null) return Inconclusive("no SUBSCRIBE from the module in the timeline", allowed);
        var retainedSet = t.Where(e => e.IsPacket("PUBLISH", "up") && e.Retain == true && !moduleConns.Contains(e.Conn!) && e.T < sub.T).ToList();
        if (retainedSet.Count == 0) return Inconclusive("no retained message was published before the module subscribed", allowed);
        var delivered = t.FirstOrDefault(e => e.T > sub.T && e.IsPacket("PUBLISH", "down") && moduleConns.Contains(e.Conn!) && e.Retain == true &&
                                              retainedSet.Any(r => r.Topic == e.Topic));
        if (delivered is null)
            return Result(CheckVerdict.Fail, $"no retained PUBLISH reached the module after {Wire.Cite(sub)} (retained: {string.Join(", ", retainedSet.Select(Wire.Cite))})", allowed, ["none delivered"], [.. retainedSet, sub]);
        var recv = t.FirstOrDefault(e => e.T >= delivered.T - ctx.Tolerances.ClockSkewUs && e.IsModule("recv") && (e.Topic is null || e.Topic == delivered.Topic));
        var measured = new[] { $"retained {delivered.Topic} delivered {Wire.Ms(sub.T, delivered.T):0} ms after SUBSCRIBE", recv is null ? "no module recv entry" : "module recv seen" };
        return recv is null && t.Any(e => e.Kind == "module")
            ? Result(CheckVerdict.Fail, "retained PUBLISH reached the wire but the module raised no \"recv\"", allowed, measured, [sub, delivered])
            : Result(CheckVerdict.Pass, "retained message delivered", allowed, measured, recv is null ? [sub, delivered] : [sub, delivered, recv]);
    }
}

public sealed class DuplicateClientIdCheck : Check
{
    public override string Id => CheckIds.SessionDuplicateClientId;
    public override string Title => "Broker: duplicate client id ends the older session";
    public override string Statement => "When a second client connects with the same client id the broker closes the first, and the module (holder of the older session) raises \"disconnect\".";
    protected override string? Reference => "luatos-mqtt-behaviour.md §4";
    public override CheckSubject Subject => CheckSubject.Broker;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "older connection closed and a module \"disconnect\" after the second CONNECT";
        var t = ctx.Timeline;
        var connects = t.Where(e => e.IsPacket("CONNECT", "up") && e.ClientId is { Length: > 0 }).ToList();
        // A takeover: a CONNECT with the same client id on a new connection while the earlier one is still open. A
        // connection that sent DISCONNECT has ended its session already, even before its TCP close reaches the tap.
        bool Ended(TimelineEntry o, long before) =>
            t.Any(e => e.Conn == o.Conn && e.T < before && (e.IsConnection("close") || e.IsPacket("DISCONNECT", "up")));
        (TimelineEntry Old, TimelineEntry New)? takeover = null;
        foreach (var c in connects)
        {
            var older = connects.FirstOrDefault(o => o.T < c.T && o.ClientId == c.ClientId && o.Conn != c.Conn && !Ended(o, c.T));
            if (older is not null) { takeover = (older, c); break; }
        }
        if (takeover is not { } tk) return Inconclusive("no second connection with the same client id while the first was open", allowed);
        var close = t.FirstOrDefault(e => e.T >= tk.New.T && e.Conn == tk.Old.Conn && e.IsConnection("close"));
        // The module's "disconnect" is judged only where the trace holds module-side entries (a rig's, not a bare wire trace).
        var moduleSide = t.Any(e => e.Kind == "module");
        var evt = t.FirstOrDefault(e => e.T >= tk.New.T && e.IsModule("disconnect"));
        var measured = new[] { $"{Wire.Cite(tk.New)} takes over the session of {Wire.Cite(tk.Old)}", close is null ? "older connection not closed" : $"older closed {Wire.Ms(tk.New.T, close.T):0} ms after takeover", !moduleSide ? "module side not in the trace" : evt is null ? "no module disconnect" : "module disconnect seen" };
        var evidence = new[] { tk.Old, tk.New, close, evt }.OfType<TimelineEntry>();
        return close is not null && (evt is not null || !moduleSide)
            ? Result(CheckVerdict.Pass, "older session ended and the module saw it", allowed, measured, evidence)
            : Result(CheckVerdict.Fail, string.Join("; ", measured.Where(m => m.StartsWith("no") || m.Contains("not"))), allowed, measured, evidence);
    }
}
