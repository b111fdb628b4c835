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

    [Theory]
    [InlineData(new[] { 1, 2 }, new[] { 1, 2 }, 2)]
    [InlineData(new[] { 1, 2 }, new[] { 1 }, 1)]
    [InlineData(new[] { 1 }, new[] { 1, 2 }, 1)]
    [InlineData(new[] { 1, 2 }, new[] { 1, 2, 3 }, 2)]
    [InlineData(new[] { 2 }, new[] { 3 }, 1)]
    public void The_highest_common_version_is_picked(int[] ours, int[] theirs, int picked) =>
        Assert.Equal(picked, ProtocolVersions.Highest(ours, theirs));

    [Fact]
    public void Hello_req_carries_the_offer_and_a_version_1_offer_is_the_empty_body()
    {
        var offer = MessageCodec.Encode(new HelloRequestMessage(3, [1, 2]));
        Assert.Equal("A16670726F746F73820102", Convert.ToHexString(offer.Body.Span));
        Assert.Equal([1, 2], Assert.IsType<HelloRequestMessage>(MessageCodec.Decode(offer)).Protos);
        Assert.True(MessageCodec.Encode(new HelloRequestMessage(3, [1])).Body.IsEmpty);
        Assert.Null(Assert.IsType<HelloRequestMessage>(MessageCodec.Decode(new WireMessage(FrameType.HelloRequest, 3, Array.Empty<byte>()))).Protos);
        var bad = Assert.Throws<ProtocolFormatException>(() => MessageCodec.Decode(new WireMessage(FrameType.HelloRequest, 3, CborValues.Encode(2L))));
        Assert.Contains("{protos: [versions]}", bad.Message);
    }

    [Fact]
    public void Hello_without_protos_is_a_version_1_agent()
    {
        var v1 = HelloInfo.FromMap(new Dictionary<object, object?> { ["proto"] = 1L });
        Assert.Equal([1], v1.Protos);
        var v2 = HelloInfo.FromMap(new Dictionary<object, object?> { ["proto"] = 2L, ["protos"] = new object?[] { 1L, 2L } });
        Assert.Equal([1, 2], v2.Protos);
        Assert.False(v1.ToMap().ContainsKey("protos"));
        Assert.Equal([1L, 2L], (object?[])v2.ToMap()["protos"]!);
    }

    [Fact]
    public void Version_1_forms_are_sent_at_version_1_and_read_at_any_time()
    {
        var publish = new RequestMessage(1, "mqtt.publish", [1L, "t", new byte[] { 1 }]);
        Assert.Equal(CborValues.Encode(new object?[] { "mqtt.publish", 1L, "t", new byte[] { 1 } }), MessageCodec.Encode(publish).Body.ToArray());
        Assert.Equal("830101" + "6174" + "01", Convert.ToHexString(MessageCodec.Encode(publish, ProtocolVersions.Compact).Body.Span));
        // A payload that is not a string has no compact form: the request goes as in version 1 (the agent's Lua raises the error).
        var odd = new RequestMessage(1, "mqtt.publish", [1L, "t", true]);
        Assert.Equal(MessageCodec.Encode(odd).Body.ToArray(), MessageCodec.Encode(odd, ProtocolVersions.Compact).Body.ToArray());
        Assert.Equal(MessageCodec.Encode(new RequestMessage(1, "mqtt.state", [1L])).Body.ToArray(),
            MessageCodec.Encode(new RequestMessage(1, "mqtt.state", [1L]), ProtocolVersions.Compact).Body.ToArray());
    }

    [Theory]
    [InlineData(FrameType.Event, "8307010100", "kind 7 is unknown")]
    [InlineData(FrameType.Event, "83010101", "does not match its layout")]
    [InlineData(FrameType.Event, "8401014161" + "10", "does not match its layout")]
    [InlineData(FrameType.Event, "830201" + "07" + "FF", "does not match its layout")]
    [InlineData(FrameType.Event, "82446D71747401" + "FF", "1 bytes after the CBOR value")]
    [InlineData(FrameType.Request, "820901", "method code 9 is unknown")]
    [InlineData(FrameType.Request, "82457374617465" + "01FF", "1 bytes after the CBOR value")]
    [InlineData(FrameType.Request, "81F5", "must start with the method name or code")]
    public void Malformed_compact_bodies_are_format_errors(FrameType type, string hex, string message)
    {
        var e = Assert.Throws<ProtocolFormatException>(() => MessageCodec.Decode(new WireMessage(type, 1, Convert.FromHexString(hex))));
        Assert.Contains(message, e.Message);
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
