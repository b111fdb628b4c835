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

public sealed class ConnectPasswordWithoutUsernameCheck : Check
{
    public override string Id => CheckIds.ConnectPasswordWithoutUsername;
    public override string Title => "No password flag without username flag";
    public override string Statement => "If the User Name Flag is 0, the Password Flag MUST be 0. LuatOS sets the flags independently (empty username + password violates this).";
    protected override string? Reference => "luatos-mqtt-behaviour.md §2 (LuatOS sets the flags independently)";

    public override CheckResult Evaluate(CheckContext ctx)
    {
        const string allowed = "passwordFlag implies username present";
        var connects = ctx.Timeline.Where(e => e.IsPacket("CONNECT", "up")).ToList();
        if (connects.Count == 0) return Inconclusive("no CONNECT from the module in the timeline", allowed);
        var bad = connects.Where(c => c.PasswordFlag == true && string.IsNullOrEmpty(c.Username)).ToList();
        return bad.Count == 0
            ? Result(CheckVerdict.Pass, $"{connects.Count} CONNECT(s) checked", allowed, [$"{connects.Count} ok"], connects)
            : Result(CheckVerdict.Fail, $"{bad.Count} CONNECT(s) carry a password flag without a username", allowed,
                bad.Select(c => $"{c.Conn}@{c.T}us password without username"), bad);
    }
}
