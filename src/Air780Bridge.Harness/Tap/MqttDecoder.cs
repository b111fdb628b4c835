using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
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

    /// <summary>
    /// Decodes one framed packet into facts for the checks: what each field says and where the bytes break a format
    /// rule (<see cref="PacketDefects"/>). A packet that cannot be read to its end becomes kind "malformed" but keeps
    /// its type, flags and the fields read before the break, so a check can still cite the statement it breaks.
    /// </summary>
    private static MqttFrame Decode(byte[] bytes, int headerLength, string conn, string dir)
    {
        var type = bytes[0] >> 4;
        var flags = (byte)(bytes[0] & 0x0F);
        var e = new TimelineEntry
        {
            T = TimelineClock.NowUs, Kind = "packet", Conn = conn, Dir = dir, Type = TypeNames[type], Flags = flags,
            Header = Convert.ToHexString(bytes, 0, headerLength),
        };
        var c = new PacketReader(bytes, headerLength);
        try
        {
            switch (type)
            {
                case 0 or 15: throw new MalformedPacketException(PacketDefects.ReservedType, $"reserved packet type {type}");
                case 1: Connect(ref e, c); break;
                case 2:
                    var ackFlags = c.Byte("acknowledge flags");
                    e = e with { SessionPresent = (ackFlags & 1) != 0, Code = c.Byte("return code") };
                    c.ExpectEnd();
                    break;
                case 3: Publish(ref e, flags, c); break;
                case 4 or 5 or 6 or 7 or 11: e = e with { PacketId = c.UInt16("packet id") }; c.ExpectEnd(); break;
                case 8 or 10: Subscriptions(ref e, c, withOptions: type == 8); break;
                case 9: e = e with { PacketId = c.UInt16("packet id"), Code = c.Byte("return code") }; break;
                default: c.ExpectEnd(); break; // PINGREQ, PINGRESP, DISCONNECT: no variable header
            }
            return new MqttFrame(type, bytes, c.Defects is null ? e : e with { Defects = c.Defects });
        }
        catch (MalformedPacketException ex)
        {
            // Framing is intact (length prefix was valid), so only this packet is malformed; keep its type for forwarding rules.
            return new MqttFrame(type, bytes, e with
            {
                Kind = "malformed", Raw = Convert.ToHexString(bytes), Detail = $"{TypeNames[type]}: {ex.Message}",
                Defects = [.. c.Defects ?? [], ex.Defect],
            });
        }
    }

    private static void Publish(ref TimelineEntry e, byte flags, PacketReader c)
    {
        // One copy of the entry per packet, not one per field: this runs for every PUBLISH the tap forwards. Whatever
        // was read before a break stays on the entry (the finally).
        var qos = (flags >> 1) & 3;
        string? topic = null;
        ushort? id = null;
        int? payload = null;
        try
        {
            topic = c.String("topic");
            // Both QoS bits set [MQTT-3.3.1-4]: whether an id follows is unknowable, so the rest is left unread.
            if (qos == 3) throw new MalformedPacketException(PacketDefects.Qos3, "PUBLISH QoS 3 (both QoS bits set)");
            if (qos > 0) id = c.UInt16("packet id");
            payload = c.Remaining;
        }
        finally { e = e with { Dup = (flags & 8) != 0, Qos = qos, Retain = (flags & 1) != 0, Topic = topic, PacketId = id, PayloadSize = payload }; }
    }

    private static void Connect(ref TimelineEntry e, PacketReader c)
    {
        var protocol = c.String("protocol name");
        var level = c.Byte("protocol level");
        e = e with { Protocol = protocol, Level = level, Detail = $"{protocol} level {level}" };
        var cf = c.Byte("connect flags");
        e = e with
        {
            ConnectFlags = cf, PasswordFlag = (cf & 0x40) != 0, CleanSession = (cf & 0x02) != 0,
            WillQos = (cf & 0x04) != 0 ? (cf >> 3) & 3 : null, WillRetain = (cf & 0x04) != 0 ? (cf & 0x20) != 0 : null,
        };
        e = e with { KeepAlive = c.UInt16("keep alive") };
        // MQTT 3.1 (MQIsdp, level 3) has the 3.1.1 payload; another level (5.0 adds properties) is not read further.
        if (level is not (3 or 4)) return;
        e = e with { ClientId = c.String("client identifier") };
        if ((cf & 0x04) != 0)
        {
            e = e with { WillTopic = c.String("will topic") };
            e = e with { WillPayloadSize = c.Binary("will message") };
        }
        if ((cf & 0x80) != 0) e = e with { Username = c.String("user name") };
        if ((cf & 0x40) != 0) c.Binary("password");
        // Bytes beyond the fields the flags announce: a field is present whose flag is 0 [MQTT-3.1.2-11/18/20].
        if (c.Remaining > 0) c.Defect(PacketDefects.Trailing);
    }

    private static void Subscriptions(ref TimelineEntry e, PacketReader c, bool withOptions)
    {
        e = e with { PacketId = c.UInt16("packet id") };
        var filters = new List<TopicFilter>();
        try
        {
            while (c.Remaining > 0)
            {
                var filter = c.String("topic filter");
                filters.Add(new TopicFilter(filter, withOptions ? c.Byte("requested QoS") : null));
            }
        }
        finally { e = e with { Filters = filters, Topic = filters.FirstOrDefault()?.Filter }; }
    }

    /// <summary>Reads a packet body field by field; a field that does not fit is a <see cref="MalformedPacketException"/>.</summary>
    private sealed class PacketReader(byte[] bytes, int offset)
    {
        private static readonly UTF8Encoding Lenient = new(false, false);
        private int _at = offset;

        public List<string>? Defects { get; private set; }
        public int Remaining => bytes.Length - _at;

        public void Defect(string code) => (Defects ??= []).Add(code);

        public byte Byte(string field) => Take(1, field)[0];

        public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

        /// <summary>A length-prefixed binary field; returns its length.</summary>
        public int Binary(string field) => Take(UInt16(field + " length"), field).Length;

        /// <summary>A UTF-8 string [MQTT-1.5.3]; ill-formed bytes and U+0000 are recorded as defects, not rejected, so a
        /// check can name the statement and the packet still shows what it said.</summary>
        public string String(string field)
        {
            var raw = Take(UInt16(field + " length"), field);
            if (!Utf8.IsValid(raw)) Defect(PacketDefects.IllFormedUtf8(field));
            if (raw.Contains((byte)0)) Defect(PacketDefects.NullCharacter(field));
            return Lenient.GetString(raw);
        }

        /// <summary>A fixed-length packet with bytes to spare: its remaining length is wrong (§3).</summary>
        public void ExpectEnd()
        {
            if (Remaining > 0) Defect(PacketDefects.Length);
        }

        private ReadOnlySpan<byte> Take(int n, string field)
        {
            if (Remaining < n) throw new MalformedPacketException(PacketDefects.Missing(field), $"ends before the {field} ({Remaining} of {n} bytes)");
            var span = bytes.AsSpan(_at, n);
            _at += n;
            return span;
        }
    }

    private sealed class MalformedPacketException(string defect, string message) : Exception(message)
    {
        public string Defect { get; } = defect;
    }
}
