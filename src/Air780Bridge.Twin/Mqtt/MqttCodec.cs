using System.Buffers.Binary;

namespace Air780Bridge.Twin.Mqtt;

/// <summary>
/// MQTT 3.1.1 packet encoding/decoding as libemqtt (PKT) does it, including its legacy one-byte remaining
/// length for SUBSCRIBE/UNSUBSCRIBE. Hand-written (not MQTTnet's formatter) because those malformed legacy
/// packets must be reproducible byte for byte. Pure: no I/O.
/// </summary>
public static class MqttCodec
{
    public const byte Connect = 0x10, Connack = 0x20, Publish = 0x30, Puback = 0x40, Pubrec = 0x50, Pubrel = 0x60,
        Pubcomp = 0x70, Subscribe = 0x80, Suback = 0x90, Unsubscribe = 0xA0, Unsuback = 0xB0, Pingreq = 0xC0,
        Pingresp = 0xD0, Disconnect = 0xE0;

    public static byte[] EncodeConnect(byte[] clientId, byte[] username, byte[] password, bool cleanSession,
        int keepaliveSeconds, MqttWill? will)
    {
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4 };
        byte flags = 0;
        if (cleanSession) flags |= 0x02;
        if (will is not null) flags |= (byte)(0x04 | (will.Qos << 3) | (will.Retain ? 0x20 : 0));
        if (password.Length > 0) flags |= 0x40;
        if (username.Length > 0) flags |= 0x80;
        body.Add(flags);
        body.Add((byte)(keepaliveSeconds >> 8));
        body.Add((byte)keepaliveSeconds);
        AddString(body, clientId);
        if (will is not null)
        {
            AddString(body, will.Topic);
            AddString(body, will.Payload);
        }
        if (username.Length > 0) AddString(body, username);
        if (password.Length > 0) AddString(body, password);
        return Frame(Connect, body, multiByteLength: true);
    }

    public static byte[] EncodePublish(byte[] topic, byte[] payload, int qos, bool retain, int messageId)
    {
        var body = new List<byte>(topic.Length + payload.Length + 4);
        AddString(body, topic);
        if (qos > 0)
        {
            body.Add((byte)(messageId >> 8));
            body.Add((byte)messageId);
        }
        body.AddRange(payload);
        return Frame((byte)(Publish | (qos << 1) | (retain ? 1 : 0)), body, multiByteLength: true);
    }

    /// <summary>PUBACK/PUBREC/PUBCOMP (flags 0) or PUBREL (0x62).</summary>
    public static byte[] EncodeAck(byte firstByte, int messageId) => [firstByte, 2, (byte)(messageId >> 8), (byte)messageId];

    public static byte[] EncodeSubscribe(int messageId, byte[] topic, int qos, bool multiByteLength)
    {
        var body = new List<byte> { (byte)(messageId >> 8), (byte)messageId };
        AddString(body, topic);
        body.Add((byte)qos);
        return Frame(Subscribe | 0x02, body, multiByteLength);
    }

    public static byte[] EncodeUnsubscribe(int messageId, byte[] topic, bool multiByteLength)
    {
        var body = new List<byte> { (byte)(messageId >> 8), (byte)messageId };
        AddString(body, topic);
        return Frame(Unsubscribe | 0x02, body, multiByteLength);
    }

    public static byte[] EncodePingreq() => [Pingreq, 0];
    public static byte[] EncodeDisconnect() => [Disconnect, 0];

    /// <summary>
    /// Length of the first packet in <paramref name="buffer"/> as luat_mqtt_client.c mqtt_parse finds it: &gt;0 a
    /// complete packet, 0 wait for more data. mqtt_parse counts at most 4 length bytes while libemqtt.c
    /// mqtt_parse_rem_len reads up to 5 into a uint32, and neither rejects a longer field: a malformed remaining
    /// length is never an error, it just looks like a packet still incomplete (bytes past the received ones read as 0).
    /// </summary>
    public static long FrameLength(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 2) return 0;
        var lengthBytes = 1;
        if ((buffer[1] & 0x80) != 0)
        {
            lengthBytes++;
            if (buffer.Length < 3) return 0;
            if ((buffer[2] & 0x80) != 0)
            {
                lengthBytes++;
                if (buffer.Length < 4) return 0;
                if ((buffer[3] & 0x80) != 0) lengthBytes++;
            }
        }
        uint value = 0, multiplier = 1;
        for (var i = 1; i <= 5; i++)
        {
            var digit = i < buffer.Length ? buffer[i] : (byte)0;
            value += (uint)(digit & 0x7F) * multiplier;
            multiplier *= 128;
            if ((digit & 0x80) == 0) break;
        }
        if (value > buffer.Length - lengthBytes - 1) return 0;
        return 1L + lengthBytes + value;
    }

    /// <summary>Offset of the variable header (after the fixed header) of a complete packet.</summary>
    public static int BodyOffset(ReadOnlySpan<byte> packet)
    {
        // mqtt_num_rem_len_bytes: at most 4 length bytes.
        var i = 1;
        while (i < 4 && (packet[i] & 0x80) != 0) i++;
        return i + 1;
    }

    /// <summary>The 16-bit id right after the fixed header (acks); -1 if the packet is too short.</summary>
    public static int ReadMessageId(ReadOnlySpan<byte> packet)
    {
        var at = BodyOffset(packet);
        return packet.Length >= at + 2 ? BinaryPrimitives.ReadUInt16BigEndian(packet[at..]) : -1;
    }

    /// <summary>
    /// Splits an inbound PUBLISH. Returns 0 on success, 99 (topic length 0 or &gt;4096, payload &gt;256 KiB) or
    /// 100 (lengths exceed the packet) — the firmware's defensive-parsing codes.
    /// </summary>
    public static int ParsePublish(ReadOnlySpan<byte> packet, out InboundPublish message)
    {
        message = default!;
        var flags = packet[0];
        var qos = (flags >> 1) & 3;
        var at = BodyOffset(packet);
        if (packet.Length < at + 2) return 100;
        var topicLength = BinaryPrimitives.ReadUInt16BigEndian(packet[at..]);
        if (topicLength == 0 || topicLength > 4096) return 99;
        at += 2;
        if (packet.Length < at + topicLength + (qos > 0 ? 2 : 0)) return 100;
        var topic = packet.Slice(at, topicLength).ToArray();
        at += topicLength;
        var id = 0;
        if (qos > 0)
        {
            id = BinaryPrimitives.ReadUInt16BigEndian(packet[at..]);
            at += 2;
        }
        if (packet.Length - at > 256 * 1024) return 99;
        message = new InboundPublish(topic, packet[at..].ToArray(), qos, (flags & 1) != 0, (flags & 8) != 0, id);
        return 0;
    }

    static void AddString(List<byte> body, byte[] value)
    {
        body.Add((byte)(value.Length >> 8));
        body.Add((byte)value.Length);
        body.AddRange(value);
    }

    static byte[] Frame(int firstByte, List<byte> body, bool multiByteLength)
    {
        var packet = new List<byte>(body.Count + 5) { (byte)firstByte };
        if (multiByteLength)
        {
            var length = body.Count;
            do
            {
                var digit = (byte)(length % 128);
                length /= 128;
                packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
            } while (length > 0);
        }
        else
        {
            // Legacy libemqtt wrote the remaining length as one raw byte: >127 yields a malformed packet.
            packet.Add((byte)body.Count);
        }
        packet.AddRange(body);
        return [.. packet];
    }
}

public sealed record MqttWill(byte[] Topic, byte[] Payload, int Qos, bool Retain);

public sealed record InboundPublish(byte[] Topic, byte[] Payload, int Qos, bool Retain, bool Dup, int MessageId);
