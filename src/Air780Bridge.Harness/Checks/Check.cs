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
    /// module name, module-side entries stay only when a single module wrote them.
    /// </summary>
    public static IReadOnlyList<TimelineEntry> ForModule(IReadOnlyList<TimelineEntry> t, string? module, string? clientId, out IReadOnlyList<string> modules)
    {
        modules = t.Where(e => e.Kind == "module" && e.Conn is not null).Select(e => e.Conn!).Distinct().Order(StringComparer.Ordinal).ToList();
        var keep = module ?? (modules.Count == 1 ? modules[0] : null);
        var handles = t.Where(e => e.Kind == "module" && e.Conn == keep && e.Type == "auth" && e.Handle is not null && clientId is not null && e.ClientId == clientId)
            .Select(e => e.Handle).ToHashSet();
        return t.Where(e => e.Kind != "module" || e.Conn == keep && (handles.Count == 0 || handles.Contains(e.Handle))).ToList();
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
