using System.Text;

namespace Air780Bridge.Harness.Faults.Server;

/// <summary>
/// Encodes the packets faults send. Hand-written rather than MQTTnet's formatter: half of them are packets no
/// conforming formatter produces (reserved flags, QoS 3, 5-byte remaining lengths, ill-formed UTF-8).
/// </summary>
public static class FaultPacket
{
    /// <summary>Fixed header (first byte + remaining length as 3.1.1 §2.2.3 encodes it) + body.</summary>
    public static byte[] Frame(byte first, ReadOnlySpan<byte> body)
    {
        var packet = new List<byte>(body.Length + 5) { first };
        var length = body.Length;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        } while (length > 0);
        packet.AddRange(body);
        return [.. packet];
    }

    /// <summary>PUBACK/PUBREC/PUBREL/PUBCOMP/UNSUBACK: first byte + length 2 + id.</summary>
    public static byte[] Ack(byte first, int id) => [first, 2, (byte)(id >> 8), (byte)id];

    /// <summary>PUBLISH with the given first byte (type 3, flags as given) and raw topic bytes.</summary>
    public static byte[] Publish(byte first, ReadOnlySpan<byte> topic, int? id, ReadOnlySpan<byte> payload)
    {
        var body = new List<byte>(topic.Length + payload.Length + 4) { (byte)(topic.Length >> 8), (byte)topic.Length };
        body.AddRange(topic);
        if (id is { } i)
        {
            body.Add((byte)(i >> 8));
            body.Add((byte)i);
        }
        body.AddRange(payload);
        return Frame(first, [.. body]);
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
