using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tests.Checks;

/// <summary>Fluent builder of synthetic timelines; times are in milliseconds, advanced with <see cref="At"/>.</summary>
public sealed class TimelineBuilder
{
    private readonly List<TimelineEntry> _entries = new();
    private long _us;

    public TimelineBuilder At(double ms) { _us = (long)(ms * 1000); return this; }

    public TimelineBuilder Add(TimelineEntry e) { _entries.Add(e with { T = _us }); return this; }

    /// <summary>The tap's record that it kept the preceding <paramref name="type"/> from the module.</summary>
    public TimelineBuilder Withheld(string conn, string type, int? id) =>
        Add(new() { Kind = "fault", Type = "withheld", Conn = conn, Dir = "down", PacketId = id, Detail = $"{type} not forwarded to the module" });
    public TimelineBuilder Open(string conn) => Add(new() { Kind = "connection", Type = "open", Conn = conn });
    public TimelineBuilder Close(string conn) => Add(new() { Kind = "connection", Type = "close", Conn = conn });

    public TimelineBuilder Up(string conn, string type, int? id = null, int? qos = null) =>
        Add(new() { Kind = "packet", Dir = "up", Conn = conn, Type = type, PacketId = id, Qos = qos, Flags = (byte)(type is "PUBREL" or "SUBSCRIBE" or "UNSUBSCRIBE" ? 2 : 0) });

    public TimelineBuilder Down(string conn, string type, int? id = null, int? qos = null, int? code = null, bool? sessionPresent = null) =>
        Add(new() { Kind = "packet", Dir = "down", Conn = conn, Type = type, PacketId = id, Qos = qos, Code = code, SessionPresent = sessionPresent });

    /// <summary>The close of <paramref name="conn"/> with the tap's reason ("module closed", "broker closed", ...).</summary>
    public TimelineBuilder Close(string conn, string reason) => Add(new() { Kind = "connection", Type = "close", Conn = conn, Detail = reason });

    /// <summary>TCP open, a well-formed 3.1.1 CONNECT (flags byte as a client would set it) and an accepting CONNACK.</summary>
    public TimelineBuilder Connect(string conn, string clientId = "mod", int keepAlive = 60, string? will = null,
        string? username = null, bool password = false, bool clean = true, bool sessionPresent = false) =>
        Open(conn).Add(new()
        {
            Kind = "packet", Dir = "up", Conn = conn, Type = "CONNECT", Flags = 0, Protocol = "MQTT", Level = 4, ClientId = clientId, KeepAlive = keepAlive,
            ConnectFlags = (byte)((username is null ? 0 : 0x80) | (password ? 0x40 : 0) | (will is null ? 0 : 0x04 | 1 << 3) | (clean ? 0x02 : 0)),
            WillTopic = will, WillQos = will is null ? null : 1, WillRetain = will is null ? null : false,
            WillPayloadSize = will is null ? null : 4, Username = username, PasswordFlag = password, CleanSession = clean,
        }).Down(conn, "CONNACK", code: 0, sessionPresent: sessionPresent);

    public TimelineBuilder Publish(string conn, string dir, string topic, int qos, int? id, bool dup = false, bool retain = false) =>
        Add(new() { Kind = "packet", Dir = dir, Conn = conn, Type = "PUBLISH", Topic = topic, Qos = qos, PacketId = id, Dup = dup, Retain = retain, PayloadSize = 5 });

    /// <summary>A stall of this host (<see cref="HostStalls"/>) of <paramref name="ms"/> that ends now.</summary>
    public TimelineBuilder Stall(double ms) =>
        Add(new() { Kind = "host", Type = "stall", DurationUs = (long)(ms * 1000), Detail = $"a thread of this process ran {ms:0} ms late" });

    public TimelineBuilder Module(string type, int? id = null, string? topic = null) =>
        Add(new() { Kind = "module", Conn = "m1", Type = type, PacketId = id, Topic = topic });

    /// <summary>Bytes the client (<paramref name="dir"/> "up") or the broker sent, decoded by the tap's own decoder.</summary>
    public TimelineBuilder Raw(string conn, string dir, params byte[][] packets)
    {
        var decoder = new Tap.MqttDecoder();
        foreach (var frame in packets.SelectMany(p => decoder.Feed(p, conn, dir))) Add(frame.Entry);
        return this;
    }

    public TimelineBuilder Sent(string conn, params byte[][] packets) => Raw(conn, "up", packets);

    /// <summary>The module on c1, dropped at 1 s and again 1 s after each reconnect, each reconnect <paramref name="gapsMs"/> after its drop.</summary>
    public static TimelineBuilder Drops(params double[] gapsMs)
    {
        var b = new TimelineBuilder().Connect("c1");
        double t = 1000;
        for (var i = 0; i < gapsMs.Length; i++)
        {
            b.At(t).Close($"c{i + 1}");
            t += gapsMs[i];
            b.At(t).Connect($"c{i + 2}");
            t += 1000;
        }
        return b;
    }

    public IReadOnlyList<TimelineEntry> Build() => _entries.ToList();

    public CheckContext Context(CheckExpectation? expectation = null) => new(Build(), expectation ?? new CheckExpectation { ClientId = "mod" });
}
