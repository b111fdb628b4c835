namespace Air780Bridge.Harness.Timeline;

/// <summary>
/// Codes in <see cref="TimelineEntry.Defects"/>: where a packet's bytes break a format rule of MQTT 3.1.1, as the tap's
/// decoder found it. A fact about the bytes, not a verdict: the checks decide which statement it breaks.
/// </summary>
public static class PacketDefects
{
    /// <summary>Packet type 0 or 15 (§2.2.1: reserved, forbidden).</summary>
    public const string ReservedType = "reserved-type";
    /// <summary>A PUBLISH with both QoS bits set.</summary>
    public const string Qos3 = "qos3";
    /// <summary>A packet of fixed size (PUBACK, CONNACK, PINGREQ, DISCONNECT, ...) with bytes beyond it.</summary>
    public const string Length = "length";
    /// <summary>CONNECT payload bytes beyond the fields its flags announce.</summary>
    public const string Trailing = "trailing";

    private const string MissingPrefix = "missing:", Utf8Prefix = "utf8:", NullPrefix = "null:";

    /// <summary>The packet ends before <paramref name="field"/> (e.g. "password" with the password flag set).</summary>
    public static string Missing(string field) => MissingPrefix + field;
    /// <summary>The string field is not well-formed UTF-8 (incl. encoded surrogates).</summary>
    public static string IllFormedUtf8(string field) => Utf8Prefix + field;
    /// <summary>The string field encodes U+0000.</summary>
    public static string NullCharacter(string field) => NullPrefix + field;

    public static bool IsMissing(string code) => code.StartsWith(MissingPrefix, StringComparison.Ordinal);
    public static bool IsIllFormedUtf8(string code) => code.StartsWith(Utf8Prefix, StringComparison.Ordinal);
    public static bool IsNullCharacter(string code) => code.StartsWith(NullPrefix, StringComparison.Ordinal);
    public static string Field(string code) => code[(code.IndexOf(':') + 1)..];
}
