using System.Collections;
using System.Text.Json;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Air780Bridge.Protocol.Values;

namespace Air780Bridge.Protocol.Tests;

/// <summary>tests/vectors/frames.json: the same vectors the agent's Lua codec is tested against.</summary>
public class VectorTests
{
    private static readonly JsonElement Vectors = LoadVectors();

    private static JsonElement LoadVectors() =>
        JsonDocument.Parse(File.ReadAllText(Air780Bridge.Tests.Repository.File("tests", "vectors", "frames.json"))).RootElement;

    public static TheoryData<string> Names(string section) => new(Vectors.GetProperty(section).EnumerateArray().Select(v => v.GetProperty("name").GetString()!));

    public static TheoryData<string> FrameNames() => Names("frames");
    public static TheoryData<string> CborNames() => Names("cbor");
    public static TheoryData<string> RejectNames() => Names("cbor_reject");
    public static TheoryData<string> CompactNames() => Names("compact");

    private static JsonElement Vector(string section, string name) =>
        Vectors.GetProperty(section).EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);

    [Theory]
    [MemberData(nameof(FrameNames))]
    public void Frames_encode_and_decode_like_the_agent(string name)
    {
        var v = Vector("frames", name);
        var body = Convert.FromHexString(v.GetProperty("body_hex").GetString()!);
        var maxFrame = v.TryGetProperty("max_frame", out var m) ? m.GetInt32() : FrameFormat.HostMaxFrame;
        var type = (FrameType)v.GetProperty("type").GetInt32();
        var id = (ushort)v.GetProperty("id").GetInt32();
        var frames = FrameEncoder.Fragment(type, id, body, maxFrame).ToList();
        Assert.Equal(v.GetProperty("frame_hex").GetString(), Convert.ToHexString(frames.SelectMany(f => FrameEncoder.Encode(f)).ToArray()));
        Assert.Equal(v.GetProperty("more").GetBoolean(), frames[0].More);

        var received = new List<ReceivedFrame>();
        new FrameReader().Read(Convert.FromHexString(v.GetProperty("frame_hex").GetString()!), received);
        var assembler = new MessageAssembler();
        var message = received.Select(assembler.Add).Last(x => x is not null)!.Value;
        Assert.Equal(body, message.Body.ToArray());
        Assert.Equal(id, message.Id);
    }

    [Theory]
    [MemberData(nameof(CborNames))]
    public void Cbor_values_match_the_agent(string name)
    {
        var v = Vector("cbor", name);
        var hex = v.GetProperty("cbor_hex").GetString()!;
        var expected = ToValue(v.GetProperty("value"));
        if (!v.TryGetProperty("decode_only", out var decodeOnly) || !decodeOnly.GetBoolean())
            Assert.Equal(hex, Convert.ToHexString(CborValues.Encode(expected)));
        Assert.Equal(Normalize(expected), Normalize(CborValues.Decode(Convert.FromHexString(hex))));
    }

    [Theory]
    [MemberData(nameof(RejectNames))]
    public void Cbor_outside_the_subset_is_rejected(string name)
    {
        // The host accepts half floats (docs/protocol.md §2); everything else the agent rejects, the host rejects too.
        if (name == "half_float")
            return;
        Assert.Throws<ProtocolFormatException>(() => CborValues.Decode(Convert.FromHexString(Vector("cbor_reject", name).GetProperty("cbor_hex").GetString()!)));
    }

    [Theory]
    [MemberData(nameof(CompactNames))]
    public void Compact_forms_match_the_agent(string name)
    {
        var v = Vector("compact", name);
        var v1 = (object?[])ToValue(v.GetProperty("v1"))!;
        ProtocolMessage message = (FrameType)v.GetProperty("type").GetInt32() == FrameType.Event
            ? new EventMessage(1, v1)
            : new RequestMessage(1, (string)v1[0]!, v1[1..]);
        var sent = MessageCodec.Encode(message, ProtocolVersions.Compact);
        var expected = v.GetProperty("compact_hex").GetString() ?? Convert.ToHexString(MessageCodec.Encode(message, ProtocolVersions.Base).Body.Span);
        Assert.Equal(expected, Convert.ToHexString(sent.Body.Span));
        // Whichever form travelled, the host reads the version-1 shape.
        object?[] decoded = MessageCodec.Decode(sent) switch
        {
            EventMessage e => e.Body,
            RequestMessage r => [r.Method, .. r.Args],
            var other => throw new InvalidDataException($"{name} decoded as {other}"),
        };
        Assert.Equal(Normalize(v1), Normalize(decoded));
    }

    private static object? ToValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => e.GetInt64(),
        JsonValueKind.Array => e.EnumerateArray().Select(ToValue).ToArray(),
        JsonValueKind.Object when e.TryGetProperty("bytes", out var b) => Convert.FromHexString(b.GetString()!),
        JsonValueKind.Object when e.TryGetProperty("text", out var t) => t.GetString(),
        JsonValueKind.Object when e.TryGetProperty("float", out var f) => f.GetDouble(),
        JsonValueKind.Object when e.TryGetProperty("map", out var map) => map.EnumerateArray()
            .ToDictionary(kv => ToValue(kv[0])!, kv => ToValue(kv[1])),
        _ => throw new InvalidDataException($"vector value {e} has no mapping"),
    };

    // Compared as Lua sees them: byte and text strings alike, and a map keyed 1..n is the same table as an array.
    private static string Normalize(object? value) => value switch
    {
        IDictionary d when d.Count > 0 && Enumerable.Range(1, d.Count).All(i => d.Contains((long)i)) =>
            Normalize(Enumerable.Range(1, d.Count).Select(i => d[(long)i]).ToArray()),
        null => "nil",
        byte[] b => "b:" + Convert.ToHexString(b),
        string s => "b:" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(s)),
        IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => Normalize(k) + "=" + Normalize(d[k])).Order(StringComparer.Ordinal)) + "}",
        IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(Normalize)) + "]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };
}
