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

    /// <summary>Default <see cref="MaxPacketSize"/>: 1 MiB, four times the largest packet any LuatOS firmware can take
    /// (V1118+/V2020+ reject payloads over 256 KiB and topics over 4096 B; rxSize, default 32 KiB, only sizes the buffer
    /// below that) and above what a module's heap can build, so only a hostile or broken peer reaches it.</summary>
    public const int DefaultMaxPacketSize = 1 << 20;

    private static readonly byte[] NoBytes = [];
    private readonly int _maxPacketSize;
    // A packet split across reads: _partial is its exact-size array once the fixed header is known (it becomes the
    // frame's Bytes), else the up to 5 header bytes seen so far.
    private byte[] _partial = NoBytes;
    private int _partialLength;
    private bool _headerKnown;
    private bool _broken;
    private bool _refused;

    public MqttDecoder(int maxPacketSize = DefaultMaxPacketSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, 2);
        _maxPacketSize = maxPacketSize;
    }

    /// <summary>Largest whole packet (fixed header included) this decoder buffers; a longer one is refused from its
    /// fixed header, before any of its body is held.</summary>
    public int MaxPacketSize => _maxPacketSize;

    /// <summary>Bytes held for an incomplete packet (at most <see cref="MaxPacketSize"/>).</summary>
    public int Buffered => _partialLength;

    /// <summary>Feeds bytes; returns complete frames. A bad length prefix yields one "malformed" frame holding the
    /// rest, after which the stream cannot be re-synchronised and further bytes come back as malformed too.</summary>
    public IEnumerable<MqttFrame> Feed(ReadOnlySpan<byte> data, string conn, string dir)
    {
        var frames = new List<MqttFrame>();
        Feed(data, conn, dir, frames);
        return frames;
    }

    /// <summary>As <see cref="Feed(ReadOnlySpan{byte},string,string)"/>, appending to <paramref name="frames"/> (no
    /// allocation per call). A packet declaring more than <see cref="MaxPacketSize"/> yields one frame of kind
    /// "violation" (type -1) and the decoder refuses everything after it: the caller closes the connection.</summary>
    public void Feed(ReadOnlySpan<byte> data, string conn, string dir, List<MqttFrame> frames)
    {
        if (_refused || data.IsEmpty) return;
        if (_broken)
        {
            frames.Add(Malformed(data.ToArray(), conn, dir, "stream lost framing after an earlier malformed packet"));
            return;
        }
        if (_partialLength > 0 && !TopUp(ref data, conn, dir, frames)) return;
        while (!data.IsEmpty)
        {
            var header = ReadHeader(data, out var headerLength, out var total);
            if (header == Header.Incomplete)
            {
                _partial = new byte[5];
                data.CopyTo(_partial);
                _partialLength = data.Length;
                _headerKnown = false;
                return;
            }
            if (header == Header.Bad)
            {
                _broken = true;
                frames.Add(Malformed(data.ToArray(), conn, dir, "remaining length longer than 4 bytes"));
                return;
            }
            if (total > _maxPacketSize)
            {
                frames.Add(TooLarge(data[..headerLength], total, conn, dir));
                return;
            }
            if (data.Length < total)
            {
                _partial = new byte[total];
                data.CopyTo(_partial);
                _partialLength = data.Length;
                _headerKnown = true;
                return;
            }
            frames.Add(Decode(data[..total].ToArray(), headerLength, conn, dir));
            data = data[total..];
        }
    }

    /// <summary>Completes the held packet from <paramref name="data"/>; false while it is still incomplete.</summary>
    private bool TopUp(ref ReadOnlySpan<byte> data, string conn, string dir, List<MqttFrame> frames)
    {
        while (!_headerKnown)
        {
            // Header bytes one at a time: a 2-byte header must not swallow the next packet's first bytes.
            if (data.IsEmpty) return false;
            _partial[_partialLength++] = data[0];
            data = data[1..];
            var header = ReadHeader(_partial.AsSpan(0, _partialLength), out var headerLength, out var total);
            if (header == Header.Incomplete) continue;
            var seen = _partial.AsSpan(0, _partialLength);
            _partialLength = 0;
            if (header == Header.Bad)
            {
                _broken = true;
                frames.Add(Malformed([.. seen, .. data], conn, dir, "remaining length longer than 4 bytes"));
                return false;
            }
            if (total > _maxPacketSize)
            {
                frames.Add(TooLarge(seen[..headerLength], total, conn, dir));
                return false;
            }
            var whole = new byte[total];
            seen.CopyTo(whole);
            (_partial, _partialLength, _headerKnown) = (whole, seen.Length, true);
        }
        var take = Math.Min(_partial.Length - _partialLength, data.Length);
        data[..take].CopyTo(_partial.AsSpan(_partialLength));
        _partialLength += take;
        data = data[take..];
        if (_partialLength < _partial.Length) return false;
        var bytes = _partial;
        (_partial, _partialLength, _headerKnown) = (NoBytes, 0, false);
        frames.Add(Decode(bytes, HeaderLength(bytes), conn, dir));
        return true;
    }

    private enum Header { Complete, Incomplete, Bad }

    /// <summary>Reads the fixed header: type byte and 1-4 remaining-length bytes [MQTT-2.2.3].</summary>
    private static Header ReadHeader(ReadOnlySpan<byte> data, out int headerLength, out int total)
    {
        int remaining = 0, multiplier = 1;
        headerLength = total = 0;
        for (var index = 1; index < data.Length; index++)
        {
            if (index > 4) return Header.Bad;
            var b = data[index];
            remaining += (b & 0x7F) * multiplier;
            multiplier *= 128;
            if ((b & 0x80) == 0)
            {
                headerLength = index + 1;
                total = headerLength + remaining;
                return Header.Complete;
            }
        }
        return data.Length > 4 ? Header.Bad : Header.Incomplete;
    }

    private static int HeaderLength(byte[] bytes) => ReadHeader(bytes, out var length, out _) == Header.Complete ? length : throw new InvalidOperationException("held packet lost its header");

    private MqttFrame TooLarge(ReadOnlySpan<byte> header, int total, string conn, string dir)
    {
        _refused = true;
        (_partial, _partialLength) = (NoBytes, 0);
        var type = header[0] >> 4;
        return new MqttFrame(-1, header.ToArray(), new TimelineEntry
        {
            T = TimelineClock.NowUs, Kind = "violation", Conn = conn, Dir = dir, Type = "packet-too-large", Raw = Convert.ToHexString(header),
            Detail = $"{TypeNames[type]} declares {total} bytes, above the maximum packet size of {_maxPacketSize} (raise it with --max-packet-size); connection closed",
        });
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
