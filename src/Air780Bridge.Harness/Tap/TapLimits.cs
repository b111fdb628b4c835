namespace Air780Bridge.Harness.Tap;

/// <summary>What the tap allows a peer before it closes the connection as a violation (kind "violation" on the
/// timeline, counted in <see cref="WireTap.Violations"/>, logged). The defaults never touch a compliant module.</summary>
public sealed record TapLimits
{
    /// <summary>Largest MQTT packet (fixed header included), either direction; refused from its fixed header.</summary>
    public int MaxPacketSize { get; init; } = MqttDecoder.DefaultMaxPacketSize;

    /// <summary>Time from TCP accept to a complete CONNECT (TLS handshake included). 30 s: the slowest firmware
    /// conn_timeout default, so a module on a bad cell link gives up before the tap does.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Open connections on all endpoints together.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Open connections from one remote IP address (a factory line behind one NAT address counts once per module).</summary>
    public int MaxConnectionsPerAddress { get; init; } = 256;

    /// <summary>Throws with the setting's name when a value cannot work.</summary>
    public TapLimits Validated()
    {
        if (MaxPacketSize < 2) throw new ArgumentException($"maximum packet size {MaxPacketSize}: an MQTT packet is at least 2 bytes");
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentException($"CONNECT timeout {ConnectTimeout}: must be positive");
        if (MaxConnections < 1 || MaxConnectionsPerAddress < 1)
            throw new ArgumentException($"connection limits {MaxConnections} total / {MaxConnectionsPerAddress} per address: each must be at least 1");
        return this;
    }
}
