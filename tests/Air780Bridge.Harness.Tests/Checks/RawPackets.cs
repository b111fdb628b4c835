using System.Text;

namespace Air780Bridge.Harness.Tests.Checks;

/// <summary>MQTT 3.1.1 packets as a client would write them, byte by byte, so a trace goes through the tap's real decoder.</summary>
public static class RawPackets
{
    public static byte[] Str(string s) => Str(Encoding.UTF8.GetBytes(s));
    public static byte[] Str(byte[] b) => [(byte)(b.Length >> 8), (byte)b.Length, .. b];
    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    public static byte[] Packet(byte first, params byte[][] parts)
    {
        var body = parts.SelectMany(p => p).ToArray();
        var length = new List<byte>();
        var n = body.Length;
        do { var b = (byte)(n % 128); n /= 128; length.Add(n > 0 ? (byte)(b | 0x80) : b); } while (n > 0);
        return [first, .. length, .. body];
    }

    public static byte[] Connect(string clientId = "mod", int keepAlive = 60, bool clean = true, string? will = null, string? user = null, string? password = null,
        byte? flags = null, string protocol = "MQTT", byte level = 4, byte[]? extra = null)
    {
        var cf = flags ?? (byte)((clean ? 0x02 : 0) | (will is null ? 0 : 0x04 | 1 << 3) | (user is null ? 0 : 0x80) | (password is null ? 0 : 0x40));
        return Packet(0x10, Str(protocol), [level, cf], U16(keepAlive), Str(clientId),
            will is null ? [] : [.. Str(will), .. Str("gone")], user is null ? [] : Str(user), password is null ? [] : Str(password), extra ?? []);
    }

    public static byte[] Publish(string topic, int qos = 0, int? id = null, bool dup = false, bool retain = false, byte[]? topicBytes = null, string payload = "hi", byte? flags = null) =>
        Packet((byte)(0x30 | (flags ?? (byte)((dup ? 8 : 0) | qos << 1 | (retain ? 1 : 0)))), Str(topicBytes ?? Encoding.UTF8.GetBytes(topic)),
            qos is 1 or 2 ? U16(id ?? 1) : [], Encoding.UTF8.GetBytes(payload));

    public static byte[] Subscribe(int id, byte flags = 0x2, params (string Filter, byte Options)[] filters) =>
        Packet((byte)(0x80 | flags), [.. U16(id), .. filters.SelectMany(f => (byte[])[.. Str(f.Filter), f.Options])]);

    public static byte[] Unsubscribe(int id, params string[] filters) => Packet(0xA2, [.. U16(id), .. filters.SelectMany(Str)]);

    public static byte[] Puback(int id) => Packet(0x40, U16(id));
    public static byte[] Pubrec(int id) => Packet(0x50, U16(id));
    public static byte[] Pubrel(int id, byte flags = 0x2) => Packet((byte)(0x60 | flags), U16(id));
    public static byte[] Pubcomp(int id) => Packet(0x70, U16(id));
    public static readonly byte[] Pingreq = [0xC0, 0x00];
    public static readonly byte[] Disconnect = [0xE0, 0x00];
}
