using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

public sealed class ConnectFieldsCheck : Check
{
    public override string Id => CheckIds.ConnectFields;
    public override string Title => "CONNECT carries the configured fields";
    public override string Statement => "Every CONNECT carries the configured client id, username/password flags, clean session, keepalive and will.";
    protected override string? Reference => "luatos-mqtt-behaviour.md §2";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "each field equal to the configured value";
        var x = ctx.Expectation;
        var all = ctx.Timeline.Where(e => e.IsPacket("CONNECT", "up")).ToList();
        if (all.Count == 0) return Inconclusive("no CONNECT from the module in the timeline", allowed);
        // Other clients (a will subscriber) share the broker, so the module's CONNECTs are those with its client id.
        var connects = x.ClientId is null ? all : all.Where(c => c.ClientId == x.ClientId).ToList();
        if (connects.Count == 0)
            return Result(CheckVerdict.Fail, $"no CONNECT carries the configured client id \"{x.ClientId}\"", allowed,
                all.Select(c => $"{c.Conn}: id={c.ClientId}"), all);
        var mismatches = new List<string>();
        foreach (var c in connects)
        {
            void Compare<T>(string field, T? expected, T? actual)
            {
                if (expected is not null && !EqualityComparer<T?>.Default.Equals(expected, actual))
                    mismatches.Add($"{c.Conn}@{c.T}us {field}: expected {expected}, saw {actual?.ToString() ?? "none"}");
            }
            if (x.Username is not null) Compare("username", NullIfEmpty(x.Username), NullIfEmpty(c.Username));
            Compare("passwordFlag", x.PasswordSet, c.PasswordFlag ?? false);
            Compare("cleanSession", x.CleanSession, c.CleanSession);
            Compare("keepAlive", x.KeepAliveSeconds, c.KeepAlive);
            if (x.Will is { } w)
            {
                Compare("willTopic", w.Topic, c.WillTopic);
                Compare("willQos", (int?)w.Qos, c.WillQos);
                Compare("willRetain", (bool?)w.Retain, c.WillRetain);
                Compare("willPayloadSize", (int?)w.PayloadSize, c.WillPayloadSize);
            }
        }
        var measured = connects.Select(c => $"{c.Conn}: id={c.ClientId} user={c.Username ?? "-"} pw={c.PasswordFlag} clean={c.CleanSession} ka={c.KeepAlive} will={c.WillTopic ?? "-"}/{c.WillQos}/{c.WillRetain}/{c.WillPayloadSize}");
        return mismatches.Count == 0
            ? Result(CheckVerdict.Pass, $"{connects.Count} CONNECT(s) match the configuration", allowed, measured, connects)
            : Result(CheckVerdict.Fail, string.Join("; ", mismatches), allowed, measured, connects);
    }

    // An empty username is not sent (flag clear), so "" and absent are the same on the wire.
    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

public sealed class ConnectPasswordWithoutUsernameCheck : PacketRuleCheck
{
    public override string Id => CheckIds.ConnectPasswordWithoutUsername;
    public override string Title => "No password flag without username flag";
    public override string Statement => "If the User Name Flag is 0, the Password Flag MUST be 0. LuatOS sets the flags independently (empty username + password violates this).";
    protected override string? Reference => "luatos-mqtt-behaviour.md §2 (LuatOS sets the flags independently)";
    protected override string AppliesToText => "CONNECT";
    protected override string Allowed => "passwordFlag implies the user name flag";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "CONNECT";

    // The flags byte when recorded (an empty user name with its flag set is legal); older timelines only have the fields.
    protected override string? Violation(TimelineEntry e) =>
        (e.ConnectFlags is { } cf ? (cf & 0xC0) == 0x40 : e.PasswordFlag == true && e.Username is null) ? "password flag set without the user name flag" : null;
}

public sealed class ConnectProtocolCheck : PacketRuleCheck
{
    public override string Id => CheckIds.ConnectProtocol;
    public override string Title => "CONNECT speaks MQTT 3.1.1 (\"MQTT\", level 4)";
    public override string Statement => "The CONNECT protocol name is \"MQTT\" and the protocol level is 4; anything else is another protocol version the rest of the checks do not apply to.";
    protected override string? Reference => "§3.1.2.1, §3.1.2.2";
    protected override string AppliesToText => "CONNECT";
    protected override string Allowed => "protocol name \"MQTT\", level 4";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "CONNECT" && e.Level is not null;
    protected override string? Violation(TimelineEntry e) => e is { Protocol: "MQTT", Level: 4 } ? null : $"protocol \"{e.Protocol}\" level {e.Level}";
}

public sealed class ConnectReservedFlagCheck : PacketRuleCheck
{
    public override string Id => CheckIds.ConnectReservedFlag;
    public override string Title => "CONNECT reserved flag is 0";
    public override string Statement => "Bit 0 of the CONNECT flags byte is 0.";
    protected override string? Reference => "§3.1.2.3";
    protected override string AppliesToText => "CONNECT";
    protected override string Allowed => "connect flags bit 0 = 0";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "CONNECT" && e.ConnectFlags is not null;
    protected override string? Violation(TimelineEntry e) => (e.ConnectFlags & 1) != 0 ? $"connect flags 0x{e.ConnectFlags:X2} have the reserved bit set" : null;
}

public sealed class ConnectWillFlagsCheck : PacketRuleCheck
{
    public override string Id => CheckIds.ConnectWillFlags;
    public override string Title => "Will QoS and Retain agree with the Will Flag";
    public override string Statement => "With the Will Flag 0, Will QoS and Will Retain are 0; with the Will Flag 1, Will QoS is not 3.";
    protected override string AppliesToText => "CONNECT";
    protected override string Allowed => "Will Flag 0 ⇒ bits 5-3 = 0; Will Flag 1 ⇒ Will QoS ≤ 2";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "CONNECT" && e.ConnectFlags is not null;

    protected override string? Violation(TimelineEntry e)
    {
        var cf = e.ConnectFlags!.Value;
        var qos = (cf >> 3) & 3;
        if ((cf & 0x04) != 0) return qos == 3 ? "Will QoS 3" : null;
        if (qos != 0) return $"Will QoS {qos} with the Will Flag 0";
        return (cf & 0x20) != 0 ? "Will Retain 1 with the Will Flag 0" : null;
    }
}

/// <summary>The CONNECT payload holds exactly the fields its flags announce, in the spec's order.</summary>
public sealed class ConnectPayloadFieldsCheck : PacketRuleCheck
{
    private static readonly string[] PayloadFields = ["client identifier", "will topic", "will message", "user name", "password"];

    public override string Id => CheckIds.ConnectPayloadFields;
    public override string Title => "CONNECT payload holds exactly the flagged fields";
    public override string Statement => "The payload holds the client identifier first, then the will topic and message, user name and password exactly when their flags are 1, and nothing more.";
    protected override string AppliesToText => "CONNECT (MQTT 3.1/3.1.1 payload)";
    protected override string Allowed => "fields present ⇔ their flag is 1, in the order of §3.1.3";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "CONNECT" && e.Level is 3 or 4 && e.ConnectFlags is not null;

    protected override string? Violation(TimelineEntry e)
    {
        if (HasDefect(e, d => d == PacketDefects.Trailing)) return "bytes after the fields the flags announce: a will, user name or password present whose flag is 0";
        return e.Defects?.FirstOrDefault(d => PacketDefects.IsMissing(d) && IsPayloadField(PacketDefects.Field(d))) is { } missing
            ? $"the payload ends before the {PacketDefects.Field(missing)} its flags announce"
            : null;
    }

    public static bool IsPayloadField(string field) => PayloadFields.Any(f => field.StartsWith(f, StringComparison.Ordinal));
}

public sealed class ConnectEmptyClientIdCheck : PacketRuleCheck
{
    public override string Id => CheckIds.ConnectEmptyClientId;
    public override string Title => "An empty client id comes with CleanSession 1";
    public override string Statement => "A CONNECT with a zero-length client identifier sets CleanSession to 1.";
    protected override string AppliesToText => "CONNECT with an empty client identifier";
    protected override string Allowed => "empty client id ⇒ CleanSession 1";
    protected override bool AppliesTo(TimelineEntry e) => e.Type == "CONNECT" && e.ClientId == "";
    protected override string? Violation(TimelineEntry e) => e.CleanSession == true ? null : "empty client identifier with CleanSession 0";
}

/// <summary>Per connection: the client's first packet is CONNECT, and it sends CONNECT once.</summary>
public sealed class ConnectOrderCheck(bool once) : Check
{
    public override string Id => once ? CheckIds.ConnectOnce : CheckIds.ConnectFirstPacket;
    public override string Title => once ? "One CONNECT per connection" : "CONNECT is the first packet";
    public override string Statement => once
        ? "A client sends CONNECT only once over a network connection."
        : "After the network connection is established, the first packet the client sends is CONNECT.";
    protected override string? Reference => once ? "§3.1 (untagged: a client sends CONNECT once per connection)" : null;

    public override CheckResult Evaluate(CheckContext ctx)
    {
        var allowed = once ? "exactly one CONNECT per connection" : "first client packet on each connection is CONNECT";
        var conns = Wire.ClientConnections(ctx).Select(c => (c.Conn, Sent: c.Entries.Where(e => e.IsSent()).ToList())).Where(c => c.Sent.Count > 0).ToList();
        if (conns.Count == 0) return Inconclusive("the client sent no packet", allowed);
        var bad = new List<(string Why, TimelineEntry[] Evidence)>();
        foreach (var (conn, sent) in conns)
        {
            if (!once && sent[0].Type != "CONNECT") bad.Add(($"{Wire.Cite(sent[0])} is the first packet on {conn}", [sent[0]]));
            var connects = sent.Where(e => e.Type == "CONNECT").ToList();
            if (once && connects.Count > 1) bad.Add(($"{connects.Count} CONNECTs on {conn} (second at {Wire.Cite(connects[1])})", [.. connects]));
        }
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{conns.Count} connection(s) checked", allowed, [$"{conns.Count} connection(s)"], conns.Select(c => c.Sent[0]))
            : Result(CheckVerdict.Fail, string.Join("; ", bad.Select(b => b.Why)), allowed, bad.Select(b => b.Why), bad.SelectMany(b => b.Evidence));
    }
}
