namespace Air780Bridge.Twin.Mqtt;

// The typed surface of the emulated LuatOS `mqtt` library. The Lua binding (Runtime/) converts Lua values
// to these and back, raising the Lua argument errors the firmware raises (e.g. a boolean qos); everything
// after argument conversion (defaults, clamps, state machine, wire behaviour) lives in Mqtt/.
// A null parameter means "argument absent / nil in Lua".

/// <summary>TLS settings from the 4th argument of mqtt.create (boolean true => Verify 0, no certificates).</summary>
public sealed record MqttTlsOptions(byte[]? ServerCert, byte[]? ClientCert, byte[]? ClientKey, byte[]? ClientPassword, int Verify);

/// <summary>Arguments of mqtt.create after conversion. RxSize/ConnTimeoutSeconds null when absent.</summary>
public sealed record MqttCreateArguments(
    long? Adapter, string Host, int Port, MqttTlsOptions? Tls, bool Ipv6, long? RxSize, double? ConnTimeoutSeconds);

/// <summary>
/// An event for Lua. Kind "callback": call the client's on() callback as cb(client, Name, Args...).
/// Kind "sys": sys.publish(Name, client, Args...). Args hold null, bool, long, double, byte[] (a Lua string)
/// or IReadOnlyDictionary&lt;string, object?&gt; (a Lua table).
/// </summary>
public sealed record MqttLuaEvent(string Kind, string Name, object?[] Args);
