using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

/// <summary>Shared plumbing so each check only states its rule and its measurement.</summary>
public abstract class Check : ICheck
{
    public abstract string Id { get; }
    public abstract string Title { get; }
    public abstract string Statement { get; }
    public virtual CheckSubject Subject => CheckSubject.Client;

    /// <summary>The spec ids come from <see cref="SpecStatements"/> (the one place a citation lives), then <see cref="Reference"/>.</summary>
    public string Source => string.Join("; ", new[] { string.Join(", ", SpecStatements.ForCheck(Id).Select(s => s.Cite)), Reference ?? "" }.Where(p => p.Length > 0));

    /// <summary>Citations other than numbered 3.1.1 statements: reference sections, untagged spec clauses.</summary>
    protected virtual string? Reference => null;

    public abstract CheckResult Evaluate(CheckContext ctx);

    protected CheckResult Result(CheckVerdict verdict, string explanation, string allowed,
        IEnumerable<string>? measured = null, IEnumerable<TimelineEntry>? evidence = null, CheckTiming? timing = null) =>
        new(Id, Title, Statement, Source, verdict, measured?.ToArray() ?? [], allowed, explanation, evidence?.ToArray() ?? [])
        {
            Subject = Subject,
            Statements = SpecStatements.ForCheck(Id).Select(s => s.Id).ToList(),
            Timing = timing,
        };

    protected CheckResult Inconclusive(string reason, string allowed) => Result(CheckVerdict.Inconclusive, reason, allowed);

    /// <summary>
    /// Splits the intervals that miss a timing into those that fail and those off by no more than this process stalled
    /// where it could move them (<see cref="TimedInterval.StalledBy"/>): their lateness may be the host's, not the
    /// module's. <c>Stalls</c> are the host stalls that explain the latter.
    /// </summary>
    protected static (List<T> Fail, List<T> HostStalled, List<TimelineEntry> Stalls) OffTolerance<T>(CheckContext ctx, IEnumerable<T> intervals, Func<T, TimedInterval> timed)
    {
        var (fail, stalled, explaining) = (new List<T>(), new List<T>(), new List<TimelineEntry>());
        List<TimelineEntry>? stalls = null;
        foreach (var interval in intervals)
        {
            var t = timed(interval);
            if (t.ExcessMs <= 0) continue;
            stalls ??= ctx.Timeline.Where(e => e.IsHostStall()).ToList();
            var (ms, hit) = t.StalledBy(stalls, ctx.Tolerances.StallReachMs);
            if (t.ExcessMs > ms)
            {
                fail.Add(interval);
                continue;
            }
            stalled.Add(interval);
            explaining.AddRange(hit.Except(explaining));
        }
        return (fail, stalled, explaining);
    }

    /// <summary>Inconclusive when the only intervals off their timing are ones a host stall explains: the stalls are the evidence.</summary>
    protected CheckResult HostStalled(int count, int of, string what, string allowed, IEnumerable<string> measured,
        IReadOnlyList<TimelineEntry> stalls, IEnumerable<TimelineEntry> evidence, CheckTiming? timing) =>
        Result(CheckVerdict.Inconclusive,
            $"{count} of {of} {what} outside {allowed}, each by no more than this machine stalled when it was due " +
            $"({string.Join(", ", stalls.Select(s => $"{s.DurationUs / 1000.0:0} ms"))}): the host, not the module, may have been late; rerun on a less loaded machine",
            allowed, [.. measured, .. stalls.Select(s => s.Detail!)], [.. evidence, .. stalls], timing);
}

/// <summary>One TCP connection of a judged client: its CONNECT, the broker's CONNACK, its close, and all its wire entries.</summary>
public sealed record ClientConnection(string Conn, TimelineEntry? Connect, TimelineEntry? Connack, TimelineEntry? Close, IReadOnlyList<TimelineEntry> Entries)
{
    /// <summary>The broker accepted the CONNECT (return code 0).</summary>
    public bool Accepted => Connack is { Code: 0 };
    /// <summary>Session state carries over from the client's previous connection: CleanSession 0 and the broker said it kept it.</summary>
    public bool ResumesSession => Connect is { CleanSession: false } && Connack is { SessionPresent: true };
}

/// <summary>Queries over a timeline shared by the checks.</summary>
public static class Wire
{
    public static bool IsPacket(this TimelineEntry e, string type, string? dir = null) =>
        e.Kind == "packet" && e.Type == type && (dir is null || e.Dir == dir);

    public static bool IsUp(this TimelineEntry e) => e.Kind == "packet" && e.Dir == "up";
    public static bool IsDown(this TimelineEntry e) => e.Kind == "packet" && e.Dir == "down";
    public static bool IsModule(this TimelineEntry e, string type) => e.Kind == "module" && e.Type == type;
    public static bool IsConnection(this TimelineEntry e, string type) => e.Kind == "connection" && e.Type == type;

    /// <summary>A stall of the host (<see cref="HostStalls"/>); with <paramref name="module"/>, one that can have delayed
    /// that module's timing: the whole process's, or that twin's own thread's.</summary>
    public static bool IsHostStall(this TimelineEntry e, string? module = null) =>
        e is { Kind: "host", Type: "stall", DurationUs: > 0 } && (module is null || e.Conn is null || e.Conn == module);

    /// <summary>Tap connections that carried an upstream CONNECT, i.e. the module's connections (other clients such as a will subscriber excluded when a client id is expected).</summary>
    public static IReadOnlyList<string> ModuleConnections(CheckContext ctx) =>
        ctx.Timeline.Where(e => e.IsPacket("CONNECT", "up") && e.Conn is not null &&
                                (ctx.Expectation.ClientId is null || e.ClientId == ctx.Expectation.ClientId))
            .Select(e => e.Conn!).Distinct().ToList();

    public static IEnumerable<TimelineEntry> OnModuleConnections(CheckContext ctx)
    {
        var conns = ModuleConnections(ctx).ToHashSet();
        return ctx.Timeline.Where(e => e.Conn is not null && conns.Contains(e.Conn) && e.Kind != "module");
    }

    public static double Ms(long fromUs, long toUs) => (toUs - fromUs) / 1000.0;

    /// <summary>A packet the client sent, decodable or not: a malformed packet is still judged (it keeps its type).</summary>
    public static bool IsSent(this TimelineEntry e) => e.Dir == "up" && e.Kind is "packet" or "malformed";
    public static bool IsSent(this TimelineEntry e, string type) => e.IsSent() && e.Type == type;

    /// <summary>
    /// The connections of the client(s) judged: with an expected client id, those whose CONNECT (even a malformed one)
    /// carries it; without one, every connection a client sent on, so a trace of any client is judged as a whole.
    /// </summary>
    public static IReadOnlyList<ClientConnection> ClientConnections(CheckContext ctx)
    {
        var byConn = new Dictionary<string, List<TimelineEntry>>();
        var order = new List<string>();
        foreach (var e in ctx.Timeline)
        {
            if (e.Conn is null || e.Kind == "module") continue;
            if (!byConn.TryGetValue(e.Conn, out var list)) { byConn[e.Conn] = list = []; order.Add(e.Conn); }
            list.Add(e);
        }
        var result = new List<ClientConnection>();
        foreach (var conn in order)
        {
            var entries = byConn[conn];
            var connect = entries.FirstOrDefault(e => e.IsSent("CONNECT"));
            if (ctx.Expectation.ClientId is { } id ? connect?.ClientId != id : !entries.Any(e => e.IsSent())) continue;
            result.Add(new ClientConnection(conn, connect, entries.FirstOrDefault(e => e.IsPacket("CONNACK", "down")),
                entries.FirstOrDefault(e => e.IsConnection("close")), entries));
        }
        return result;
    }

    /// <summary>Every packet the judged client(s) sent, in time order.</summary>
    public static IEnumerable<TimelineEntry> SentByClient(CheckContext ctx) => ClientConnections(ctx).SelectMany(c => c.Entries.Where(e => e.IsSent())).OrderBy(e => e.T);

    /// <summary>The close came from the client's side: end of its stream ("module closed") or its reset (an up-stream error).</summary>
    public static bool ClosedByClient(TimelineEntry close) =>
        close.Detail is "module closed" || close.Detail?.StartsWith("up stream error", StringComparison.Ordinal) == true;

    /// <summary>Where a packet is in the trace, for explanations: "c1@1234.5ms PUBLISH id 7".</summary>
    public static string Cite(TimelineEntry e) => $"{e.Conn}@{e.T / 1000.0:0.#}ms {e.Type}{(e.PacketId is { } id ? $" id {id}" : "")}";

    /// <summary>The instant a trace shows a connection alive until: its close, else the last entry recorded.</summary>
    public static long AliveUntil(CheckContext ctx, ClientConnection c) => c.Close?.T ?? (ctx.Timeline.Count == 0 ? 0 : ctx.Timeline.Max(e => e.T));

    /// <summary>The tap connections still open that carried a CONNECT for <paramref name="clientId"/>: the tap names
    /// connections, a client id is known from its CONNECT, and a connection is open until its close entry.</summary>
    public static List<string> OpenConnectionsOf(IReadOnlyList<TimelineEntry> t, string clientId)
    {
        var closed = t.Where(e => e.IsConnection("close")).Select(e => e.Conn).ToHashSet();
        return t.Where(e => e.IsPacket("CONNECT") && e.ClientId == clientId && e.Conn is not null && !closed.Contains(e.Conn))
            .Select(e => e.Conn!).Distinct().ToList();
    }

    /// <summary>
    /// A timeline reduced to one module's side: every wire entry, and the module-side entries (API calls, Lua
    /// events) of <paramref name="module"/> only, and of those only the mqtt clients that authenticated as
    /// <paramref name="clientId"/> when one is given. A rig's timeline holds many modules and clients whose
    /// message ids coincide, so one client's "sent" must not be judged against another's packets. Without a
    /// module name, module-side entries stay only when a single module wrote them. Host stalls stay unless they were
    /// another module's own (a twin's thread).
    /// </summary>
    public static IReadOnlyList<TimelineEntry> ForModule(IReadOnlyList<TimelineEntry> t, string? module, string? clientId, out IReadOnlyList<string> modules)
    {
        modules = t.Where(e => e.Kind == "module" && e.Conn is not null).Select(e => e.Conn!).Distinct().Order(StringComparer.Ordinal).ToList();
        var keep = module ?? (modules.Count == 1 ? modules[0] : null);
        var handles = t.Where(e => e.Kind == "module" && e.Conn == keep && e.Type == "auth" && e.Handle is not null && clientId is not null && e.ClientId == clientId)
            .Select(e => e.Handle).ToHashSet();
        return t.Where(e => e.Kind switch
        {
            "module" => e.Conn == keep && (handles.Count == 0 || handles.Contains(e.Handle)),
            // Another twin's late thread did not delay this module's timing.
            "host" => e.IsHostStall(keep),
            _ => true,
        }).ToList();
    }

    /// <summary>
    /// The first <paramref name="type"/> from the broker with <paramref name="packetId"/> on <paramref name="conn"/> at or
    /// after <paramref name="fromUs"/> that reached the module: an ack the tap withheld on command (a "withheld" fault
    /// entry right behind it) never did.
    /// </summary>
    public static TimelineEntry? FirstDelivered(IReadOnlyList<TimelineEntry> t, string? conn, string type, int? packetId, long fromUs)
    {
        TimelineEntry? candidate = null;
        foreach (var e in t)
        {
            if (e.T < fromUs || e.Conn != conn) continue;
            if (candidate is not null)
            {
                if (e is { Kind: "fault", Type: "withheld" } && e.PacketId == packetId && e.Detail?.StartsWith(type + " ", StringComparison.Ordinal) == true)
                    candidate = null;
                else if (e.IsDown())
                    return candidate;
            }
            if (candidate is null && e.IsPacket(type, "down") && e.PacketId == packetId) candidate = e;
        }
        return candidate;
    }
}
