using Air780Bridge.Twin;

namespace Air780Bridge.Rigs.Conformance;

/// <summary>
/// What a scenario expects of a firmware build where builds differ (luatos-mqtt-behaviour.md §0): read off the
/// same <see cref="FirmwareProfile"/> the virtual module emulates, so a real module and its twin are judged alike.
/// </summary>
public sealed record FirmwareExpectations(FirmwareProfile Profile)
{
    public bool AuthReturnsTrue => Profile.AuthReturnsTrue;
    public bool HasErrorEvent => Profile.ErrorAndAckEvents;
    public bool HasSubackEvent => Profile.ErrorAndAckEvents;
    public bool HasPongEvent => Profile.PongEvent;
    public bool HasConnTimeout => Profile.ConnTimeout;
    public bool UnsubscribeTableReturnsId => Profile.UnsubscribeTableReturnFixed;

    /// <summary>The firmware's state() values (§3); the doc page's 4=ERROR does not exist.</summary>
    public IReadOnlyDictionary<string, long> States { get; } = new Dictionary<string, long>
    {
        ["STATE_DISCONNECT"] = 0, ["STATE_SCONNECT"] = 1, ["STATE_MQTT"] = 2, ["STATE_READY"] = 3,
    };

    public static FirmwareExpectations For(string profile) => new(FirmwareProfile.Get(profile));
}
