using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

/// <summary>Format breaks no other check names: framing, a reserved packet type, a truncated header, a wrong fixed length, a server-only packet.</summary>
public sealed class PacketWellFormedCheck : PacketRuleCheck
{
    private static readonly HashSet<string> ServerOnly = ["CONNACK", "SUBACK", "UNSUBACK", "PINGRESP"];

    public override string Id => CheckIds.PacketWellFormed;
    public override string Title => "Every packet has the format of its type";
    public override string Statement => "Each packet the client sends frames and decodes as §2-§3 define it (remaining length of at most 4 bytes, no reserved type, every fixed field present, fixed-size packets of their size) and is a type a client may send.";
    protected override string? Reference => "MQTT 3.1.1 §2.2, §3 packet formats, §7.1.2 (a client sends only packets of those formats)";
    protected override string AppliesToText => "packet(s)";
    protected override string Allowed => "well-formed client packets";
    protected override bool AppliesTo(TimelineEntry e) => true;

    protected override string? Violation(TimelineEntry e)
    {
        if (e.Type is not null && ServerOnly.Contains(e.Type)) return $"{e.Type} is sent by the server only (§2.2.1)";
        if (HasDefect(e, d => d == PacketDefects.Length)) return "remaining length longer than the packet's fixed size";
        if (e.Kind != "malformed") return null;
        var owned = e.Defects?.Where(d => d == PacketDefects.Qos3 || PacketDefects.IsMissing(d) && ConnectPayloadFieldsCheck.IsPayloadField(PacketDefects.Field(d))).ToList();
        // Breaks another check names (QoS 3, a CONNECT payload field) are judged there, so one fault fails one check.
        return owned is { Count: > 0 } && owned.Count == e.Defects!.Count ? null : e.Detail ?? "malformed";
    }
}

/// <summary>Table 2.2: the fixed-header flags of every packet but PUBLISH are fixed (0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE, else 0000).</summary>
public sealed class PacketReservedFlagsCheck : PacketRuleCheck
{
    public override string Id => CheckIds.PacketReservedFlags;
    public override string Title => "Reserved fixed-header flags as Table 2.2 sets them";
    public override string Statement => "The low nibble of the first byte is 0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE and 0000 for every other packet except PUBLISH.";
    protected override string AppliesToText => "non-PUBLISH packet(s)";
    protected override string Allowed => "flags 0x2 for PUBREL/SUBSCRIBE/UNSUBSCRIBE, 0x0 otherwise";
    protected override bool AppliesTo(TimelineEntry e) => e.Flags is not null && e.Type is not null and not "PUBLISH" && !e.Type.StartsWith("RESERVED", StringComparison.Ordinal);

    protected override string? Violation(TimelineEntry e)
    {
        var expected = e.Type is "PUBREL" or "SUBSCRIBE" or "UNSUBSCRIBE" ? 0x2 : 0x0;
        return e.Flags == expected ? null : $"flags 0x{e.Flags:X}, Table 2.2 requires 0x{expected:X}";
    }
}

/// <summary>Every string the client sends (client id, will topic, user name, topic, filters): well-formed UTF-8, or free of U+0000.</summary>
public sealed class StringsCheck(bool nullCharacter) : PacketRuleCheck
{
    public override string Id => nullCharacter ? CheckIds.StringsNoNull : CheckIds.StringsUtf8;
    public override string Title => nullCharacter ? "Strings contain no U+0000" : "Strings are well-formed UTF-8";
    public override string Statement => nullCharacter
        ? "No UTF-8 string field the client sends encodes the null character U+0000 (topic names and filters included)."
        : "Every UTF-8 string field the client sends (client identifier, will topic, user name, topic name, topic filters) is well-formed UTF-8 without encoded surrogates.";
    protected override string AppliesToText => "packet(s) with strings";
    protected override string Allowed => nullCharacter ? "no U+0000 in any string" : "well-formed UTF-8 (RFC 3629)";
    protected override bool AppliesTo(TimelineEntry e) => e.Type is "CONNECT" or "PUBLISH" or "SUBSCRIBE" or "UNSUBSCRIBE";

    protected override string? Violation(TimelineEntry e) =>
        e.Defects?.FirstOrDefault(nullCharacter ? PacketDefects.IsNullCharacter : PacketDefects.IsIllFormedUtf8) is { } d
            ? $"{PacketDefects.Field(d)} {(nullCharacter ? "contains U+0000" : "is not well-formed UTF-8")}"
            : null;
}

public sealed class PublishQosValidCheck : PacketRuleCheck
{
    public override string Id => CheckIds.PublishQosValid;
    public override string Title => "PUBLISH never has QoS 3";
    public override string Statement => "No PUBLISH has both QoS bits set.";
    protected override string AppliesToText => "PUBLISH";
    protected override string Allowed => "QoS 0, 1 or 2";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "PUBLISH";
    protected override string? Violation(TimelineEntry e) => e.Qos == 3 ? "both QoS bits set" : null;
}

public sealed class PublishQos0DupCheck : PacketRuleCheck
{
    public override string Id => CheckIds.PublishQos0Dup;
    public override string Title => "QoS 0 PUBLISH has DUP 0";
    public override string Statement => "Every QoS 0 PUBLISH goes out with DUP 0.";
    protected override string AppliesToText => "QoS 0 PUBLISH";
    protected override string Allowed => "DUP 0";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "PUBLISH" && e.Qos == 0;
    protected override string? Violation(TimelineEntry e) => e.Dup == true ? "DUP 1 on a QoS 0 message" : null;
}

/// <summary>Topic names (PUBLISH topics and the will topic, which becomes one) are non-empty and free of wildcards.</summary>
public sealed class PublishTopicNameCheck : PacketRuleCheck
{
    public override string Id => CheckIds.PublishTopicName;
    public override string Title => "Topic names are non-empty, without wildcards";
    public override string Statement => "The topic name of every PUBLISH, and the will topic of a CONNECT, is at least one character long and contains neither '+' nor '#'.";
    protected override string AppliesToText => "topic name(s) (PUBLISH, will topic)";
    protected override string Allowed => "length ≥ 1, no '+' or '#'";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "PUBLISH" && e.Topic is not null || e.Type == "CONNECT" && e.WillTopic is not null;

    protected override string? Violation(TimelineEntry e)
    {
        var (name, topic) = e.Type == "CONNECT" ? ("will topic", e.WillTopic!) : ("topic", e.Topic!);
        if (topic.Length == 0) return $"empty {name}";
        return topic.IndexOfAny(['+', '#']) >= 0 ? $"{name} \"{topic}\" contains a wildcard" : null;
    }
}

/// <summary>Topic filters of SUBSCRIBE and UNSUBSCRIBE: non-empty, '#' alone and last, '+' a whole level.</summary>
public sealed class SubscribeTopicFiltersCheck : PacketRuleCheck
{
    public override string Id => CheckIds.SubscribeTopicFilters;
    public override string Title => "Topic filters are well-formed";
    public override string Statement => "Every SUBSCRIBE/UNSUBSCRIBE topic filter is at least one character long, '#' stands alone or after '/' as the last character, and '+' fills a whole level.";
    protected override string AppliesToText => "SUBSCRIBE/UNSUBSCRIBE with filters";
    protected override string Allowed => "non-empty; '#' only as the last whole level; '+' only as a whole level";
    protected override bool AppliesTo(TimelineEntry e) => e.Type is "SUBSCRIBE" or "UNSUBSCRIBE" && e.Filters is { Count: > 0 };

    protected override string? Violation(TimelineEntry e) =>
        e.Filters!.Select(f => FilterProblem(f.Filter) is { } why ? $"filter \"{f.Filter}\": {why}" : null).FirstOrDefault(p => p is not null);

    public static string? FilterProblem(string filter)
    {
        if (filter.Length == 0) return "empty";
        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            if (levels[i].Contains('#') && (levels[i] != "#" || i != levels.Length - 1)) return "'#' must be a whole level and the last one";
            if (levels[i].Contains('+') && levels[i] != "+") return "'+' must fill a whole level";
        }
        return null;
    }
}

/// <summary>3.8.3-3 / 3.10.3-2: a SUBSCRIBE or UNSUBSCRIBE carries at least one topic filter.</summary>
public sealed class FiltersNotEmptyCheck(string type) : PacketRuleCheck
{
    public override string Id => type == "SUBSCRIBE" ? CheckIds.SubscribeNotEmpty : CheckIds.UnsubscribeNotEmpty;
    public override string Title => $"{type} carries at least one filter";
    public override string Statement => type == "SUBSCRIBE" ? "Every SUBSCRIBE holds at least one topic filter / requested QoS pair." : "Every UNSUBSCRIBE holds at least one topic filter.";
    protected override string AppliesToText => type;
    protected override string Allowed => "≥ 1 topic filter";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == type && e.Filters is not null;
    protected override string? Violation(TimelineEntry e) => e.Filters!.Count == 0 ? "no topic filter" : null;
}

public sealed class SubscribeRequestedQosCheck : PacketRuleCheck
{
    public override string Id => CheckIds.SubscribeRequestedQos;
    public override string Title => "Requested QoS is 0-2 with reserved bits 0";
    public override string Statement => "Each requested-QoS byte of a SUBSCRIBE has bits 7-2 zero and a QoS of 0, 1 or 2.";
    protected override string? Reference => "§3.8.3.1";
    protected override string AppliesToText => "SUBSCRIBE with filters";
    protected override string Allowed => "requested-QoS byte 0x00, 0x01 or 0x02";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "SUBSCRIBE" && e.Filters is { Count: > 0 };

    protected override string? Violation(TimelineEntry e) =>
        e.Filters!.FirstOrDefault(f => f.Options is > 2) is { } bad ? $"filter \"{bad.Filter}\": requested-QoS byte 0x{bad.Options:X2}" : null;
}
