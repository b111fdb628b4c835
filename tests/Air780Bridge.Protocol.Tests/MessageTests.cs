using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Air780Bridge.Protocol.Values;

namespace Air780Bridge.Protocol.Tests;

public class MessageTests
{
    [Fact]
    public void Cbor_uses_byte_strings_for_bytes_and_text_for_strings()
    {
        Assert.Equal("43010280", Convert.ToHexString(CborValues.Encode(new byte[] { 1, 2, 0x80 })));
        Assert.Equal("6161", Convert.ToHexString(CborValues.Encode("a")));
        Assert.Equal("F6", Convert.ToHexString(CborValues.Encode(null)));
        Assert.Equal("3863", Convert.ToHexString(CborValues.Encode(-100)));
        Assert.Equal("1A80000000", Convert.ToHexString(CborValues.Encode(2147483648L)));
        Assert.Equal("FB3FF8000000000000", Convert.ToHexString(CborValues.Encode(1.5)));
    }

    [Fact]
    public void Map_keys_sent_as_byte_strings_read_as_text()
    {
        var body = Convert.FromHexString("A24371 6F7301 4361 6263 F5".Replace(" ", ""));
        var map = Assert.IsType<Dictionary<object, object?>>(CborValues.Decode(body));
        Assert.Equal(1L, map["qos"]);
        Assert.Equal(true, map["abc"]);
    }

    [Theory]
    [InlineData("9F01FF", "indefinite")]
    [InlineData("C11A00000000", "subset")]
    [InlineData("0102", "after the CBOR value")]
    [InlineData("1B8000000000000000", "64-bit")]
    public void Values_outside_the_subset_are_rejected(string hex, string message)
    {
        var e = Assert.Throws<ProtocolFormatException>(() => CborValues.Decode(Convert.FromHexString(hex)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Request_and_result_round_trip()
    {
        var request = new RequestMessage(7, "mqtt.publish", [1L, "t", new byte[] { 0, 0xFF }, 1L, null]);
        var wire = MessageCodec.Encode(request);
        var back = Assert.IsType<RequestMessage>(MessageCodec.Decode(wire));
        Assert.Equal("mqtt.publish", back.Method);
        Assert.Equal(5, back.Args.Length);
        Assert.Equal(new byte[] { 0, 0xFF }, back.Args[2]);
        Assert.Null(back.Args[4]);

        var result = MessageCodec.Decode(new WireMessage(FrameType.Result, 7, CborValues.EncodeArray()));
        Assert.Empty(Assert.IsType<ResultMessage>(result).Values);
    }

    [Fact]
    public void Hello_round_trips_with_all_fields()
    {
        var info = new HelloInfo
        {
            Proto = 1, AgentVersion = "1.0.0", FirmwareVersion = "V1120", Bsp = "EC618", LuaVersion = "Lua 5.3", IntBits = 32,
            BootId = "0A1B2C3D", UptimeMs = 12, Imei = "860000000000001", Csq = 0, MaxFrame = 2048, RxWindow = 4096, EventQueue = 32768,
            Uart = 32, MqttConstants = new Dictionary<string, long> { ["STATE_READY"] = 3 },
        };
        var back = Assert.IsType<HelloMessage>(MessageCodec.Decode(MessageCodec.Encode(new HelloMessage(0, info)))).Info;
        Assert.Equivalent(info, back);
        Assert.Null(back.Iccid);
    }

    [Fact]
    public void Sequence_gaps_are_counted_across_the_wrap()
    {
        var tracker = new SequenceTracker();
        tracker.ExpectFirst();
        Assert.Equal(0, tracker.Observe(1));
        Assert.Equal(2, tracker.Observe(4));
        var wrap = new SequenceTracker();
        Assert.Equal(0, wrap.Observe(65534));
        Assert.Equal(0, wrap.Observe(65535));
        Assert.Equal(0, wrap.Observe(1));
        Assert.Equal(1, wrap.Observe(3));
        Assert.Equal(1, wrap.Lost);
    }

    [Fact]
    public void Unknown_frame_types_are_ignored_not_fatal()
    {
        Assert.IsType<UnknownMessage>(MessageCodec.Decode(new WireMessage((FrameType)0x7E, 0, new byte[] { 1 })));
    }
}
