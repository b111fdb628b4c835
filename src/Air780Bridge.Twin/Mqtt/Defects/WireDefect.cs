namespace Air780Bridge.Twin.Mqtt;

/// <summary>A planted defect: passes everything to the wire it wraps; a defect overrides the one thing it breaks.</summary>
internal abstract class WireDefect(IMqttWire inner) : IMqttWire
{
    public virtual bool Send(MqttConnection connection, byte[] packet) => inner.Send(connection, packet);

    public virtual void Acknowledged(byte[] ack) => inner.Acknowledged(ack);

    public virtual int PingPeriodMs(int keepaliveSeconds) => inner.PingPeriodMs(keepaliveSeconds);
}
