using Air780Bridge.Harness.Tap;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tests;

public class DecoderTests
{
    // PUBLISH QoS1 DUP retain, topic "a/b", id 7, payload "xyz"; then PINGREQ.
    private static readonly byte[] Stream = [0x3B, 0x0A, 0x00, 0x03, (byte)'a', (byte)'/', (byte)'b', 0x00, 0x07, (byte)'x', (byte)'y', (byte)'z', 0xC0, 0x00];

    [Fact]
    public void Frames_split_across_reads_decode_once_complete()
    {
        var decoder = new MqttDecoder();
        var frames = Stream.SelectMany(b => decoder.Feed([b], "c1", "up")).ToList();
        Assert.Equal(["PUBLISH", "PINGREQ"], frames.Select(f => f.Entry.Type));
        var p = frames[0].Entry;
        Assert.Equal((true, 1, true, 7, "a/b", 3, (byte)0x0B), (p.Dup!.Value, p.Qos!.Value, p.Retain!.Value, p.PacketId!.Value, p.Topic, p.PayloadSize!.Value, p.Flags!.Value));
        Assert.Equal(Stream, frames.SelectMany(f => f.Bytes));
    }

    [Fact]
    public void Truncated_variable_header_is_malformed_with_its_type()
    {
        var frame = Assert.Single(new MqttDecoder().Feed([0x82, 0x01, 0x00], "c1", "up"));
        Assert.Equal(("malformed", "SUBSCRIBE", "820100"), (frame.Entry.Kind, frame.Entry.Type, frame.Entry.Raw));
    }

    [Fact]
    public void Text_line_shows_direction_type_and_fields()
    {
        var entry = new MqttDecoder().Feed(Stream, "c3", "down").First().Entry with { T = 2500 };
        Assert.Equal("       2.5 c3   <- PUBLISH id=7 topic=a/b qos=1 dup retain bytes=3", TimelineText.Line(entry, 0));
    }
}

public class DecoderFactTests
{
    private static TimelineEntry One(params byte[] bytes) => Assert.Single(new MqttDecoder().Feed(bytes, "c1", "up")).Entry;

    [Fact]
    public void Connect_records_protocol_level_flags_byte_and_fields()
    {
        var e = One(Checks.RawPackets.Connect(clientId: "m", keepAlive: 30, will: "w", user: "u", password: "p", flags: 0xEF));
        Assert.Equal(("packet", "MQTT", 4, (byte)0xEF, 30, "m", "w", "u"), (e.Kind, e.Protocol, e.Level, e.ConnectFlags!.Value, e.KeepAlive!.Value, e.ClientId, e.WillTopic, e.Username));
        Assert.Equal((1, true, true), (e.WillQos!.Value, e.WillRetain!.Value, e.PasswordFlag!.Value));
        Assert.Null(e.Defects);
        Assert.StartsWith("10", e.Header);
    }

    [Fact]
    public void Connect_with_a_field_its_flags_deny_records_trailing_bytes()
    {
        var e = One(Checks.RawPackets.Connect(extra: Checks.RawPackets.Str("stray")));
        Assert.Equal("packet", e.Kind);
        Assert.Equal([PacketDefects.Trailing], e.Defects);
    }

    [Fact]
    public void Connect_missing_its_password_is_malformed_but_keeps_what_it_said()
    {
        var e = One(Checks.RawPackets.Connect(user: "u", flags: 0xC2));
        Assert.Equal(("malformed", "CONNECT", "mod", "u", (byte)0xC2), (e.Kind, e.Type, e.ClientId, e.Username, e.ConnectFlags!.Value));
        Assert.Contains(PacketDefects.Missing("password length"), e.Defects!);
        Assert.NotNull(e.Raw);
    }

    [Fact]
    public void Strings_with_bad_utf8_or_null_are_decoded_and_flagged()
    {
        var e = One(Checks.RawPackets.Publish("", topicBytes: [0x61, 0x00, 0xC3]));
        Assert.Equal("packet", e.Kind);
        Assert.Equal([PacketDefects.IllFormedUtf8("topic"), PacketDefects.NullCharacter("topic")], e.Defects);
        Assert.StartsWith("a\0", e.Topic);
    }

    [Fact]
    public void Subscribe_records_every_filter_with_its_requested_qos_byte()
    {
        var e = One(Checks.RawPackets.Subscribe(5, 0x2, ("a/#", 1), ("b", 0x06)));
        Assert.Equal([new TopicFilter("a/#", 1), new TopicFilter("b", 6)], e.Filters!);
        Assert.Equal(("a/#", 5), (e.Topic, e.PacketId!.Value));
        var empty = One(Checks.RawPackets.Subscribe(5));
        Assert.Empty(empty.Filters!);
        var unsub = One(Checks.RawPackets.Unsubscribe(6, "x", "y"));
        Assert.Equal([new TopicFilter("x", null), new TopicFilter("y", null)], unsub.Filters!);
    }

    [Fact]
    public void Qos3_publish_is_malformed_with_its_topic_and_flags()
    {
        var e = One(Checks.RawPackets.Publish("t", flags: 0x06));
        Assert.Equal(("malformed", "PUBLISH", 3, "t", (byte)0x06), (e.Kind, e.Type, e.Qos!.Value, e.Topic, e.Flags!.Value));
        Assert.Equal([PacketDefects.Qos3], e.Defects);
    }

    [Fact]
    public void Connack_session_present_and_fixed_length_defects()
    {
        var c = Assert.Single(new MqttDecoder().Feed([0x20, 0x02, 0x01, 0x00], "c1", "down")).Entry;
        Assert.Equal((true, 0), (c.SessionPresent!.Value, c.Code!.Value));
        Assert.Equal([PacketDefects.Length], One(0xC0, 0x01, 0x00).Defects);
        Assert.Equal([PacketDefects.Length], One(0x40, 0x03, 0x00, 0x01, 0x00).Defects);
        Assert.Equal([PacketDefects.ReservedType], One(0xF0, 0x00).Defects);
    }

    [Fact]
    public void New_fields_round_trip_and_old_timeline_lines_still_load()
    {
        var e = One(Checks.RawPackets.Subscribe(5, 0x2, ("a", 1)));
        Assert.Equal(e.Filters, Timeline.Timeline.FromJson(Timeline.Timeline.ToJson(e)).Filters);
        var old = Timeline.Timeline.FromJson("""{"t":5,"kind":"packet","conn":"c1","dir":"up","type":"CONNECT","clientId":"m","keepAlive":60}""");
        Assert.Null(old.ConnectFlags);
        Assert.Null(old.Defects);
    }
}
