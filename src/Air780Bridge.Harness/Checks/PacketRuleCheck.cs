using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

/// <summary>
/// A rule every packet the client sends must keep on its own, judged packet by packet: Pass when the packets it applies
/// to all keep it, Fail naming each one that breaks it, Inconclusive when the client sent none it applies to.
/// </summary>
public abstract class PacketRuleCheck : Check
{
    /// <summary>The packets the rule applies to, for messages ("PUBLISH", "CONNECT with an empty client identifier").</summary>
    protected abstract string AppliesToText { get; }
    protected abstract string Allowed { get; }
    protected abstract bool AppliesTo(TimelineEntry e);
    /// <summary>What is wrong with the packet, or null when it keeps the rule.</summary>
    protected abstract string? Violation(TimelineEntry e);

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var packets = Wire.SentByClient(ctx).Where(AppliesTo).ToList();
        if (packets.Count == 0) return Inconclusive($"the client sent no {AppliesToText}", Allowed);
        var bad = packets.Select(p => (Packet: p, Why: Violation(p))).Where(b => b.Why is not null).ToList();
        if (bad.Count == 0)
            return Result(CheckVerdict.Pass, $"{packets.Count} {AppliesToText} checked", Allowed, [$"{packets.Count} checked, 0 broke the rule"], packets.Take(3));
        return Result(CheckVerdict.Fail, $"{bad.Count} of {packets.Count} {AppliesToText} break the rule: " + string.Join("; ", bad.Take(5).Select(b => $"{Wire.Cite(b.Packet)}: {b.Why}")),
            Allowed, bad.Select(b => $"{Wire.Cite(b.Packet)}: {b.Why}"), bad.Select(b => b.Packet));
    }

    protected static bool HasDefect(TimelineEntry e, Func<string, bool> match) => e.Defects?.Any(match) == true;
}
