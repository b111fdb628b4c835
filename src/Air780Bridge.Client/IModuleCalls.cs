namespace Air780Bridge.Client;

/// <summary>
/// What a typed proxy (<see cref="Mqtt.LuatMqttClientProxy"/>) needs of a module: one Lua call through the agent and the
/// log of its mqtt events. <see cref="Air780Client"/> is one; a conformance scenario is another (it records each call
/// on its timeline), so the CLI, scripts and scenarios drive a client through the same proxy.
/// </summary>
public interface IModuleCalls
{
    /// <summary>One Lua call by protocol method name (docs/protocol.md §5.1); the Lua results with their real count.</summary>
    Task<object?[]> CallAsync(string method, object?[] args, CancellationToken ct = default);

    MqttEventLog MqttEvents { get; }
}
