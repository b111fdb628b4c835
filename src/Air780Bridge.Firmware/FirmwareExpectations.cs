namespace Air780Bridge.Firmware;

/// <summary>
/// What a firmware build does where builds differ (luatos-mqtt-behaviour.md §0), read off one
/// <see cref="FirmwareProfile"/>: the scenarios, the wire checks and the twin all ask here, so a real module and its
/// twin are judged alike and a fact is changed in one place.
/// </summary>
public sealed record FirmwareExpectations(FirmwareProfile Profile)
{
    public bool AuthReturnsTrue => Profile.AuthReturnsTrue;
    public bool HasErrorEvent => Profile.ErrorAndAckEvents;
    public bool HasSubackEvent => Profile.ErrorAndAckEvents;
    public bool HasPongEvent => Profile.PongEvent;
    public bool HasConnTimeout => Profile.ConnTimeout;
    public bool UnsubscribeTableReturnsId => Profile.UnsubscribeTableReturnFixed;

    /// <summary>The message-id counter wraps 65535 -> 0, a violation of [MQTT-2.3.1-1] (all EC618 incl. V1120, EC7xx
    /// up to V2024; fixed 2026-02-14, reference §0/§5).</summary>
    public bool WrapsPacketIdToZero => !Profile.MessageIdSkipsZero;

    /// <summary>No build keeps outbound session state: after a reconnect nothing unacknowledged is re-sent and DUP is
    /// never set, even with clean session 0, deviating from [MQTT-4.4.0-1] (reference §5).</summary>
    public bool KeepsOutboundSession => false;

    /// <summary>The firmware's state() values (§3); the doc page's 4=ERROR does not exist.</summary>
    public IReadOnlyDictionary<string, long> States { get; } = new Dictionary<string, long>
    {
        ["STATE_DISCONNECT"] = 0, ["STATE_SCONNECT"] = 1, ["STATE_MQTT"] = 2, ["STATE_READY"] = 3,
    };

    /// <summary>
    /// The PINGREQ period for a keepalive (§7): the client pings every 75 % of the keepalive, in the firmware's
    /// integer milliseconds. Plain MQTT 3.1.1 only bounds the silence by the keepalive itself ([MQTT-3.1.2-23]).
    /// </summary>
    public static int PingPeriodMs(int keepAliveSeconds) => keepAliveSeconds * 1000 * 3 / 4;

    public static FirmwareExpectations For(string profile) => new(FirmwareProfile.Get(profile));
}
