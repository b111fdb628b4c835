namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// What a firmware build does where builds differ (luatos-mqtt-behaviour.md §0 version matrix), so a
/// scenario expects each firmware's real behaviour and reports a known defect as such.
/// </summary>
public sealed record FirmwareExpectations(
    string Profile,
    bool AuthReturnsTrue,
    bool HasErrorEvent,
    bool HasSubackEvent,
    bool HasPongEvent,
    bool HasConnTimeout,
    bool UnsubscribeTableReturnsId,
    bool MessageIdSkipsZero)
{
    /// <summary>The firmware's state() values (§3); the doc page's 4=ERROR does not exist.</summary>
    public IReadOnlyDictionary<string, long> States { get; } = new Dictionary<string, long>
    {
        ["STATE_DISCONNECT"] = 0, ["STATE_SCONNECT"] = 1, ["STATE_MQTT"] = 2, ["STATE_READY"] = 3,
    };

    private static readonly Dictionary<string, FirmwareExpectations> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        // V1120 (latest EC618): everything up to V1118, none of the 2026-02-14 fixes.
        ["air780e-v1120"] = new("air780e-v1120", true, true, true, true, true, UnsubscribeTableReturnsId: false, MessageIdSkipsZero: false),
        // V2028 (latest EC7xx): includes the 2026-02-14 fixes (V2026+).
        ["air780ep-v2028"] = new("air780ep-v2028", true, true, true, true, true, UnsubscribeTableReturnsId: true, MessageIdSkipsZero: true),
        // V1112: before pong (V1113), error/suback/unsuback (V1116) and conn_timeout (V1118).
        ["air780e-v1112"] = new("air780e-v1112", true, false, false, false, false, UnsubscribeTableReturnsId: false, MessageIdSkipsZero: false),
    };

    public static IReadOnlyCollection<string> Profiles => Known.Keys;

    public static FirmwareExpectations For(string profile) =>
        Known.TryGetValue(profile, out var found) ? found
            : throw new ArgumentException($"unknown firmware profile \"{profile}\"; known: {string.Join(", ", Known.Keys)}");
}
