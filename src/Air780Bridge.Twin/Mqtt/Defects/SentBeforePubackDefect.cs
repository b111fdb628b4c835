using System.Buffers.Binary;

namespace Air780Bridge.Twin.Mqtt;

/// <summary><see cref="TwinDefect.SentBeforePuback"/>: a QoS 1 PUBLISH counts as acknowledged once written; the real PUBACK is ignored.</summary>
internal sealed class SentBeforePubackDefect(IMqttWire inner) : WireDefect(inner)
{
    public override bool Send(MqttConnection connection, byte[] packet)
    {
        if (!base.Send(connection, packet)) return false;
        if ((packet[0] & 0xF6) == (MqttCodec.Publish | 0x02)) base.Acknowledged(MqttCodec.EncodeAck(MqttCodec.Puback, PublishId(packet)));
        return true;
    }

    public override void Acknowledged(byte[] ack)
    {
        if ((ack[0] & 0xF0) != MqttCodec.Puback) base.Acknowledged(ack);
    }

    /// <summary>The message id of an outbound QoS 1 PUBLISH: after the topic, which the client always writes whole.</summary>
    static int PublishId(byte[] packet)
    {
        var at = MqttCodec.BodyOffset(packet);
        return BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 2 + BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at))));
    }
}
