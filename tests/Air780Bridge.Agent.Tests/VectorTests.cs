using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Air780Bridge.Agent.Tests;

/// <summary>tests/vectors/frames.json, rendered as a Lua chunk for lua/check_vectors.lua.</summary>
internal static class VectorFile
{
    public static JsonElement Load() => JsonDocument.Parse(File.ReadAllText(Paths.Vectors)).RootElement;

    /// <summary>Number of checks check_vectors.lua performs: 2 per frame, 2 per encodable CBOR value, 1 otherwise.</summary>
    public static int ExpectedChecks(JsonElement v) =>
        v.GetProperty("frames").GetArrayLength() * 2
        + v.GetProperty("cbor").EnumerateArray().Sum(c => c.TryGetProperty("decode_only", out _) ? 1 : 2)
        + v.GetProperty("cbor_reject").GetArrayLength()
        + v.GetProperty("cbor_reject_int32").GetArrayLength()
        + v.GetProperty("compact").GetArrayLength();

    public static string ToLua(JsonElement v)
    {
        var sb = new StringBuilder("return {\n frames = {\n");
        foreach (var f in v.GetProperty("frames").EnumerateArray())
        {
            sb.Append($"  {{ name = {S(f, "name")}, type = {f.GetProperty("type").GetInt32()}, id = {f.GetProperty("id").GetInt32()}, ")
              .Append($"body_hex = {S(f, "body_hex")}, frame_hex = {S(f, "frame_hex")}");
            if (f.TryGetProperty("max_frame", out var mf))
                sb.Append($", max_frame = {mf.GetInt32()}, frame_count = {f.GetProperty("frame_count").GetInt32()}");
            sb.Append(" },\n");
        }
        sb.Append(" },\n cbor = {\n");
        foreach (var c in v.GetProperty("cbor").EnumerateArray())
        {
            sb.Append($"  {{ name = {S(c, "name")}, cbor_hex = {S(c, "cbor_hex")}, value = {Value(c.GetProperty("value"))}");
            if (c.TryGetProperty("decode_only", out _)) sb.Append(", decode_only = true");
            sb.Append(" },\n");
        }
        sb.Append(" },\n reject = {\n");
        foreach (var r in v.GetProperty("cbor_reject").EnumerateArray())
            sb.Append($"  {{ name = {S(r, "name")}, cbor_hex = {S(r, "cbor_hex")}, error_contains = {S(r, "error_contains")} }},\n");
        sb.Append(" },\n reject_int32 = {\n");
        foreach (var r in v.GetProperty("cbor_reject_int32").EnumerateArray())
            sb.Append($"  {{ name = {S(r, "name")}, cbor_hex = {S(r, "cbor_hex")}, value = {r.GetProperty("value").GetInt64()} }},\n");
        sb.Append(" },\n compact = {\n");
        foreach (var c in v.GetProperty("compact").EnumerateArray())
        {
            var hex = c.GetProperty("compact_hex");
            sb.Append($"  {{ name = {S(c, "name")}, type = {c.GetProperty("type").GetInt32()}, v1 = {Value(c.GetProperty("v1"))}, ")
              .Append($"compact_hex = {(hex.ValueKind == JsonValueKind.Null ? "nil" : LuaHost.Literal(hex.GetString()!))} }},\n");
        }
        return sb.Append(" },\n}\n").ToString();
    }

    private static string S(JsonElement e, string name) => LuaHost.Literal(e.GetProperty(name).GetString()!);

    // Tagged JSON value -> Lua constructor (X = bytes from hex, A = exact-length array, M = map).
    private static string Value(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetInt64().ToString(CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "nil",
        JsonValueKind.Array => "A(" + string.Join(", ", e.EnumerateArray().Select(Value)) + ")",
        JsonValueKind.Object when e.TryGetProperty("bytes", out var b) => $"X({LuaHost.Literal(b.GetString()!)})",
        JsonValueKind.Object when e.TryGetProperty("text", out var t) => LuaHost.Literal(t.GetString()!),
        JsonValueKind.Object when e.TryGetProperty("float", out var f) => Float(f.GetDouble()),
        JsonValueKind.Object when e.TryGetProperty("map", out var m) =>
            "M({" + string.Join(", ", m.EnumerateArray().Select(p => "{" + Value(p[0]) + ", " + Value(p[1]) + "}")) + "})",
        _ => throw new InvalidDataException($"frames.json: unsupported vector value {e}"),
    };

    private static string Float(double d)
    {
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') ? s : s + ".0";
    }
}

public class VectorTests
{
    [Fact]
    public void Agent_codec_matches_every_vector_in_KeraLua()
    {
        var vectors = VectorFile.Load();
        using var lua = new LuaHost();
        var check = LuaHost.Literal(Path.Combine(Paths.TestLua, "check_vectors.lua"));
        var harness = LuaHost.Literal(Path.Combine(Paths.TestLua, "agent_harness.lua"));
        lua.Run($"passed, failures = dofile({check})({LuaHost.Literal(VectorFile.ToLua(vectors))}, {harness})");
        Assert.Equal("", lua.Str("failures"));
        Assert.Equal(VectorFile.ExpectedChecks(vectors), lua.Int("passed"));
    }

    [FactIfFile(Paths.Lua53)]
    public void Agent_codec_matches_every_vector_under_lua53()
    {
        var vectors = VectorFile.Load();
        var file = Path.Combine(Path.GetTempPath(), $"air780-vectors-{Guid.NewGuid():N}.lua");
        File.WriteAllText(file, VectorFile.ToLua(vectors));
        try
        {
            var (code, output) = Tool.Run(Paths.Lua53, Path.Combine(Paths.TestLua, "check_vectors.lua"), Paths.Firmware, file);
            Assert.True(code == 0, output);
            Assert.Contains($"{VectorFile.ExpectedChecks(vectors)} checks passed", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // Independent of the Lua codec: the frame bytes in the shared file satisfy §1 as read by C#.
    [Fact]
    public void Frame_vectors_have_valid_header_and_body_crcs()
    {
        foreach (var f in VectorFile.Load().GetProperty("frames").EnumerateArray())
        {
            var name = f.GetProperty("name").GetString();
            var bytes = Convert.FromHexString(f.GetProperty("frame_hex").GetString()!);
            var body = new List<byte>();
            var frames = 0;
            for (var pos = 0; pos < bytes.Length; frames++)
            {
                Assert.True(bytes[pos] == 0xA7 && bytes[pos + 1] == 0x80, $"{name}: magic at {pos}");
                var header = bytes.AsSpan(pos + 2, 5);
                var len = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(pos + 5));
                Assert.Equal(Crc32.Compute(header) & 0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(pos + 7)));
                Assert.Equal(Crc32.Compute(bytes.AsSpan(pos + 2, 7 + len)), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos + 9 + len)));
                Assert.Equal(f.GetProperty("type").GetInt32(), bytes[pos + 2] & 0x3F);
                Assert.Equal(f.GetProperty("id").GetInt32(), BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(pos + 3)));
                body.AddRange(bytes.AsSpan(pos + 9, len).ToArray());
                pos += 13 + len;
            }
            Assert.Equal(f.TryGetProperty("frame_count", out var fc) ? fc.GetInt32() : 1, frames);
            Assert.Equal(f.GetProperty("more").GetBoolean(), (bytes[2] & 0x80) != 0);
            Assert.Equal(f.GetProperty("body_hex").GetString(), Convert.ToHexString(body.ToArray()));
        }
    }

    [Fact]
    public void Crc32_shim_has_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        using var lua = new LuaHost();
        Assert.Equal(unchecked((int)0xCBF43926u), lua.Int("crypto.crc32('123456789')"));
    }

    [FactIfFile(Paths.Luac53)]
    public void Every_agent_script_parses_as_lua53()
    {
        var files = Directory.GetFiles(Paths.Firmware, "*.lua").Concat(Directory.GetFiles(Paths.TestLua, "*.lua")).ToArray();
        Assert.Contains(files, f => f.EndsWith("br_agent.lua", StringComparison.Ordinal));
        var (code, output) = Tool.Run(Paths.Luac53, ["-p", .. files]);
        Assert.True(code == 0, output);
    }
}
