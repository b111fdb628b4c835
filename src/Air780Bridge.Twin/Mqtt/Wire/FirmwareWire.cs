namespace Air780Bridge.Twin.Mqtt;

/// <summary>The wire as the firmware drives it: sends go straight to the socket, an ack raises "sent" for its id.</summary>
/// <param name="sent">Raises the client's "sent" event for a message id.</param>
internal sealed class FirmwareWire(Action<int> sent) : IMqttWire
{
    public bool Send(MqttConnection connection, byte[] packet) => connection.Send(packet);

    public void Acknowledged(byte[] ack)
    {
        if (MqttCodec.ReadMessageId(ack) is var id and >= 0) sent(id);
    }

    public int PingPeriodMs(int keepaliveSeconds) => FirmwareExpectations.PingPeriodMs(keepaliveSeconds);
}
