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
