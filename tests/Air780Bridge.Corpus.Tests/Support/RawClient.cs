using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>
/// Raw MQTT 3.1.1 packet bytes, built by hand because a misbehaving client must write what no library will: a
/// password without a username, a PUBREL with the wrong flags, a packet id of 0. Each builder writes the
/// compliant packet unless a parameter asks for the fault.
/// </summary>
public static class Packet
{
    public static byte[] Frame(byte first, params byte[][] parts)
    {
        var body = parts.SelectMany(p => p).ToArray();
        var header = new List<byte> { first };
        var remaining = body.Length;
        do
        {
            var b = (byte)(remaining % 128);
            remaining /= 128;
            header.Add(remaining > 0 ? (byte)(b | 0x80) : b);
        } while (remaining > 0);
        return [.. header, .. body];
    }

    public static byte[] Str(string s) => Bytes(Encoding.UTF8.GetBytes(s));

    public static byte[] Bytes(byte[] data) => [.. U16(data.Length), .. data];

    public static byte[] U16(int value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)value);
        return b;
    }

    /// <summary>CONNECT; <paramref name="flags"/> overrides the connect-flags byte the other arguments imply,
    /// <paramref name="extra"/> is appended to the payload.</summary>
    public static byte[] Connect(string clientId, int keepAlive = 60, bool clean = true, string? username = null, string? password = null,
        (string Topic, string Message, int Qos, bool Retain)? will = null, byte? flags = null, string protocol = "MQTT", byte level = 4, byte[]? extra = null)
    {
        byte implied = (byte)((clean ? 0x02 : 0) | (username is null ? 0 : 0x80) | (password is null ? 0 : 0x40));
        if (will is { } w) implied |= (byte)(0x04 | (w.Qos << 3) | (w.Retain ? 0x20 : 0));
        var payload = new List<byte[]> { Str(clientId) };
        if (will is { } wp) { payload.Add(Str(wp.Topic)); payload.Add(Str(wp.Message)); }
        if (username is not null) payload.Add(Str(username));
        if (password is not null) payload.Add(Str(password));
        if (extra is not null) payload.Add(extra);
        return Frame(0x10, [Str(protocol), [level, flags ?? implied], U16(keepAlive), .. payload]);
    }

    /// <summary>PUBLISH; <paramref name="topicBytes"/> replaces the topic's UTF-8 (for ill-formed strings).</summary>
    public static byte[] Publish(string topic, int qos, int packetId = 0, string payload = "x", bool dup = false, bool retain = false, byte[]? topicBytes = null) =>
        Frame((byte)(0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0)), topicBytes is null ? Str(topic) : Bytes(topicBytes), qos > 0 ? U16(packetId) : [], Encoding.UTF8.GetBytes(payload));

    /// <summary>SUBSCRIBE with the given filters (none: an empty payload).</summary>
    public static byte[] Subscribe(int packetId, params (string Filter, int Qos)[] filters) =>
        Frame(0x82, [U16(packetId), .. filters.SelectMany(f => new byte[][] { Str(f.Filter), [(byte)f.Qos] })]);

    public static byte[] Subscribe(int packetId, string topic, int qos) => Subscribe(packetId, (topic, qos));

    /// <summary>UNSUBSCRIBE with the given filters (none: an empty payload).</summary>
    public static byte[] Unsubscribe(int packetId, params string[] filters) => Frame(0xA2, [U16(packetId), .. filters.Select(Str)]);

    public static byte[] Ack(string type, int packetId, byte? flags = null)
    {
        var (code, normal) = type switch
        {
            "PUBACK" => (0x40, 0), "PUBREC" => (0x50, 0), "PUBREL" => (0x60, 2), "PUBCOMP" => (0x70, 0),
            _ => throw new ArgumentException($"{type} is not a publish acknowledgement"),
        };
        return Frame((byte)(code | (flags ?? normal)), U16(packetId));
    }

    public static byte[] PingReq => [0xC0, 0];
    public static byte[] Disconnect => [0xE0, 0];
}

/// <summary>A received packet: type name, fixed-header flags and the bytes after the fixed header.</summary>
public sealed record Received(string Type, byte Flags, byte[] Body)
{
    public int PacketId => Type == "PUBLISH"
        ? BinaryPrimitives.ReadUInt16BigEndian(Body.AsSpan(2 + BinaryPrimitives.ReadUInt16BigEndian(Body)))
        : BinaryPrimitives.ReadUInt16BigEndian(Body);
}

/// <summary>A client that writes raw MQTT bytes on a socket to the tap and reads the broker's answers one packet at a time.</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(CorpusSession corpus)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(corpus.Host, corpus.Port);
        return new RawClient(tcp);
    }

    /// <summary>Writes the packets in one send, so the tap reads them before the broker can answer any.</summary>
    public async Task SendAsync(params byte[][] packets) => await _stream.WriteAsync(packets.SelectMany(p => p).ToArray());

    /// <summary>The next packet from the broker; fails if the broker closes first.</summary>
    public async Task<Received> ReadAsync()
    {
        using var cts = new CancellationTokenSource(CorpusSession.Timeout);
        var first = await ReadExactly(1, cts.Token);
        int remaining = 0, multiplier = 1;
        byte b;
        do
        {
            b = (await ReadExactly(1, cts.Token))[0];
            remaining += (b & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((b & 0x80) != 0);
        var body = await ReadExactly(remaining, cts.Token);
        return new Received(Harness.Tap.MqttDecoder.TypeNames[first[0] >> 4], (byte)(first[0] & 0x0F), body);
    }

    /// <summary>Reads packets until one of <paramref name="type"/> arrives (the broker may interleave others).</summary>
    public async Task<Received> ExpectAsync(string type)
    {
        while (true)
        {
            var p = await ReadAsync();
            if (p.Type == type) return p;
        }
    }

    /// <summary>Waits until the broker closes the connection (end of stream), reading and dropping what it still sends.</summary>
    public async Task BrokerClosedAsync()
    {
        using var cts = new CancellationTokenSource(CorpusSession.Timeout);
        var buffer = new byte[256];
        try { while (await _stream.ReadAsync(buffer, cts.Token) > 0) { } }
        catch (IOException) { } // a reset is a close too
    }

    private async Task<byte[]> ReadExactly(int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        try { await _stream.ReadExactlyAsync(buffer, ct); }
        catch (EndOfStreamException) { throw new InvalidOperationException("the broker closed the connection before the expected packet"); }
        catch (OperationCanceledException) { throw new TimeoutException($"the broker sent no packet within {CorpusSession.Timeout.TotalSeconds:0} s"); }
        return buffer;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
