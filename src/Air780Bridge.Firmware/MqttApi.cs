namespace Air780Bridge.Firmware;

/// <summary>One function of the module's mqtt library; <see cref="TakesClient"/>: a method of a client (mqttc:f), so
/// the bridge passes the client handle first.</summary>
public sealed record MqttFunction(string Name, bool TakesClient, IReadOnlyList<string> Parameters, string Returns);

/// <summary>One event the library raises through mqttc:on(cb), and the profile feature it needs (null: every build).</summary>
public sealed record MqttEventKind(string Name, string Data, Func<FirmwareProfile, bool>? RaisedBy = null)
{
    public bool RaisedOn(FirmwareProfile profile) => RaisedBy?.Invoke(profile) ?? true;
}

/// <summary>
/// The mqtt library as the bridge exposes it: the one list of functions and events the CLI, the proxy and the twin
/// check themselves against (seed-luatos-mqtt-api.md for the names; luatos-mqtt-behaviour.md for which build raises
/// what). The agent's own list lives in firmware-scripts/br_agent.lua; a test keeps the two equal.
/// </summary>
public static class MqttApi
{
    public static IReadOnlyList<MqttFunction> Functions { get; } =
    [
        new("create", false, ["adapter", "host", "port", "ssl", "opts"], "client handle, or nil"),
        new("auth", true, ["client_id", "username", "password", "cleanSession"], "true (V1114+/V2005+), nothing before"),
        new("keepalive", true, ["time"], "nothing"),
        new("will", true, ["topic", "payload", "qos", "retain"], "true/false"),
        new("autoreconn", true, ["reconnect", "reconnect_time"], "nothing"),
        new("on", true, ["cb"], "nothing"),
        new("connect", true, [], "true/false"),
        new("disconnect", true, [], "true/false"),
        new("subscribe", true, ["topic", "qos"], "message id, or false"),
        new("unsubscribe", true, ["topic"], "message id, or false"),
        new("publish", true, ["topic", "data", "qos", "retain"], "message id, or nil"),
        new("close", true, [], "nothing"),
        new("ready", true, [], "true/false"),
        new("state", true, [], "state number (§3)"),
        new("debug", true, ["onoff"], "nothing"),
    ];

    public static IReadOnlyList<MqttEventKind> Events { get; } =
    [
        new("conack", "none"),
        new("recv", "topic, payload, metas {qos, retain, dup[, message_id]}"),
        new("sent", "message id"),
        new("disconnect", "code (integer V1114+/V2005+, float before)"),
        new("pong", "none", p => p.PongEvent),
        new("error", "kind (\"connect\", \"tx\", \"conack\", \"timeout\", \"other\"), code", p => p.ErrorAndAckEvents),
        new("suback", "ok, code", p => p.ErrorAndAckEvents),
        new("unsuback", "none", p => p.ErrorAndAckEvents),
    ];

    public static IReadOnlyList<string> FunctionNames { get; } = Functions.Select(f => f.Name).ToList();

    public static MqttFunction? Find(string name) => Functions.FirstOrDefault(f => f.Name == name);
}
