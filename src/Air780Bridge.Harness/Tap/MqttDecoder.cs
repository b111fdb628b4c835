using System.Buffers.Binary;
using System.Text;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tap;

/// <summary>One framed MQTT packet: its type nibble, the whole bytes, and the decoded timeline fields.</summary>
public sealed record MqttFrame(int Type, byte[] Bytes, TimelineEntry Entry);

/// <summary>
/// Splits a byte stream into MQTT 3.1.1 packets by remaining length and decodes fixed + variable headers.
/// Hand-written rather than MQTTnet's formatter because the tap must see the exact wire bytes (flags, ids,
/// malformed frames) that MQTTnet would normalise or reject.
/// </summary>
public sealed class MqttDecoder
{
    public static readonly string[] TypeNames =
        ["RESERVED0", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK",
         "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "RESERVED15"];

    private readonly List<byte> _buffer = new();
    private bool _broken;

    /// <summary>Feeds bytes; returns complete frames. A bad length prefix yields one "malformed" frame holding the
    /// rest, after which the stream cannot be re-synchronised and further bytes come back as malformed too.</summary>
    public IEnumerable<MqttFrame> Feed(ReadOnlySpan<byte> data, string conn, string dir)
    {
        _buffer.AddRange(data);
        var frames = new List<MqttFrame>();
        while (_buffer.Count > 0)
        {
            if (_broken)
            {
                frames.Add(Malformed(_buffer.ToArray(), conn, dir, "stream lost framing after an earlier malformed packet"));
                _buffer.Clear();
                break;
            }
            int remaining = 0, multiplier = 1, index = 1;
            bool complete = false;
            while (index < _buffer.Count && index <= 4)
            {
                var b = _buffer[index++];
                remaining += (b & 0x7F) * multiplier;
                multiplier *= 128;
                if ((b & 0x80) == 0) { complete = true; break; }
            }
            if (!complete)
            {
                if (index > 4)
                {
                    _broken = true;
                    frames.Add(Malformed(_buffer.ToArray(), conn, dir, "remaining length longer than 4 bytes"));
                    _buffer.Clear();
                }
                break;
            }
            var total = index + remaining;
            if (_buffer.Count < total) break;
            var bytes = _buffer.GetRange(0, total).ToArray();
            _buffer.RemoveRange(0, total);
            frames.Add(Decode(bytes, index, conn, dir));
        }
        return frames;
    }

    private static MqttFrame Malformed(byte[] bytes, string conn, string dir, string why) =>
        new(-1, bytes, new TimelineEntry { T = TimelineClock.NowUs, Kind = "malformed", Conn = conn, Dir = dir, Raw = Convert.ToHexString(bytes), Detail = why });

    private static MqttFrame Decode(byte[] bytes, int headerLength, string conn, string dir)
    {
        var type = bytes[0] >> 4;
        var flags = (byte)(bytes[0] & 0x0F);
        var body = bytes.AsSpan(headerLength);
        var e = new TimelineEntry { T = TimelineClock.NowUs, Kind = "packet", Conn = conn, Dir = dir, Type = TypeNames[type], Flags = flags };
        try
        {
            e = type switch
            {
                0 or 15 => throw new FormatException($"reserved packet type {type}"),
                1 => Connect(e, body),
                2 => e with { Code = body[1] },
                3 => Publish(e, flags, body),
                4 or 5 or 6 or 7 or 11 => e with { PacketId = BinaryPrimitives.ReadUInt16BigEndian(body) },
                8 or 10 => e with { PacketId = BinaryPrimitives.ReadUInt16BigEndian(body), Topic = ReadString(body, 2, out _) },
                9 => e with { PacketId = BinaryPrimitives.ReadUInt16BigEndian(body), Code = body[2] },
                _ => e,
            };
            return new MqttFrame(type, bytes, e);
        }
        catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or DecoderFallbackException)
        {
            // Framing is intact (length prefix was valid), so only this packet is malformed; keep its type for forwarding rules.
            var malformed = Malformed(bytes, conn, dir, $"{TypeNames[type]}: {ex.Message}");
            return malformed with { Type = type, Entry = malformed.Entry with { Type = TypeNames[type] } };
        }
    }

    private static TimelineEntry Publish(TimelineEntry e, byte flags, ReadOnlySpan<byte> body)
    {
        var qos = (flags >> 1) & 3;
        if (qos == 3) throw new FormatException("PUBLISH QoS 3");
        var topic = ReadString(body, 0, out var offset);
        int? id = null;
        if (qos > 0) { id = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]); offset += 2; }
        if (offset > body.Length) throw new FormatException("PUBLISH shorter than its header");
        return e with { Dup = (flags & 8) != 0, Qos = qos, Retain = (flags & 1) != 0, PacketId = id, Topic = topic, PayloadSize = body.Length - offset };
    }

    private static TimelineEntry Connect(TimelineEntry e, ReadOnlySpan<byte> body)
    {
        var protocol = ReadString(body, 0, out var o);
        var level = body[o];
        var cf = body[o + 1];
        var keepAlive = BinaryPrimitives.ReadUInt16BigEndian(body[(o + 2)..]);
        o += 4;
        var clientId = ReadString(body, o, out o);
        string? willTopic = null;
        int? willSize = null;
        if ((cf & 0x04) != 0)
        {
            willTopic = ReadString(body, o, out o);
            willSize = BinaryPrimitives.ReadUInt16BigEndian(body[o..]);
            o += 2 + willSize.Value;
        }
        var username = (cf & 0x80) != 0 ? ReadString(body, o, out o) : null;
        return e with
        {
            ClientId = clientId, Username = username, PasswordFlag = (cf & 0x40) != 0, CleanSession = (cf & 0x02) != 0,
            KeepAlive = keepAlive, WillTopic = willTopic, WillPayloadSize = willSize,
            WillQos = (cf & 0x04) != 0 ? (cf >> 3) & 3 : null, WillRetain = (cf & 0x04) != 0 ? (cf & 0x20) != 0 : null,
            Detail = $"{protocol} level {level}",
        };
    }

    private static string ReadString(ReadOnlySpan<byte> body, int offset, out int next)
    {
        var length = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
        next = offset + 2 + length;
        return new UTF8Encoding(false, true).GetString(body.Slice(offset + 2, length));
    }
}
