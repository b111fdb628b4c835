namespace Air780Bridge.Twin.Mqtt;

/// <summary>
/// <see cref="TwinDefect.TlsHandshakeRace"/>: network_tx refuses the client's first CONNECT over TLS, as while the
/// socket is still in SHAKEHAND after a complete handshake; the client then closes (disconnect(0), close).
/// </summary>
internal sealed class TlsHandshakeRaceDefect(IMqttWire inner) : WireDefect(inner)
{
    bool _raced; // one wire per client: only its first TLS attempt loses the race

    public override bool Send(MqttConnection connection, byte[] packet)
    {
        if (_raced || !connection.IsTls || (packet[0] & 0xF0) != MqttCodec.Connect) return base.Send(connection, packet);
        _raced = true;
        return false;
    }
}
