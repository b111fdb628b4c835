using System.Text;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Runtime;

namespace Air780Bridge.Twin.Tests.Runtime;

/// <summary>Reference §12: json.encode / json.decode (LuatOS lua-cjson).</summary>
public class JsonTests
{
    static byte[] B(string s) => Encoding.Latin1.GetBytes(s);
    static string Encode(object? value, string format = LuatJson.DefaultFloatFormat, bool escapeSlash = false) =>
        Encoding.Latin1.GetString(LuatJson.Encode(value, format, escapeSlash));
    static LuaTableValue Table(params (object Key, object? Value)[] entries) => new([.. entries.Select(e => new KeyValuePair<object, object?>(e.Key, e.Value))]);
    static LuaTableValue Array(params object?[] values) => Table([.. values.Select((v, i) => ((object)(long)(i + 1), v))]);
    static string Error(Action action) => Assert.Throws<LuatJsonException>(action).Message;

    [Fact]
    public void Json_encode_passes_bytes_above_0x7f_raw()
    {
        Assert.Equal(new byte[] { (byte)'"', 0x80, 0xE4, 0xB8, 0xAD, 0xFF, (byte)'"' }, LuatJson.Encode(new byte[] { 0x80, 0xE4, 0xB8, 0xAD, 0xFF }));
    }

    [Fact]
    public void Json_encode_escapes_control_bytes_quote_backslash_and_0x7f()
    {
        Assert.Equal("""
            "\u0000\u0001\b\t\n\u000b\f\r\u001f\"\\\u007f a"
            """, Encode(B("\0\u0001\b\t\n\u000b\f\r\u001f\"\\\u007f a")));
    }

    [Fact]
    public void Json_encode_escapes_slash_only_on_firmware_before_2026_01_04()
    {
        Assert.Equal("\"a/b\"", Encode(B("a/b"), escapeSlash: FirmwareProfile.Air780eV1120.JsonEscapesSlash));
        Assert.Equal("\"a\\/b\"", Encode(B("a/b"), escapeSlash: FirmwareProfile.Air780eV1112.JsonEscapesSlash));
    }

    [Theory]
    [InlineData(1.5, "1.5000000")]
    [InlineData(2.0, "2.0000000")]
    [InlineData(-0.25, "-0.2500000")]
    [InlineData(3.14, "3.1400000")]
    [InlineData(123456.789, "123456.7890000")]
    [InlineData(1e-9, "0.0000000")]
    [InlineData(1e9, "1000000000.0000000")]
    public void Json_encode_writes_floats_with_percent_dot_7f(double value, string expected)
    {
        Assert.Equal(expected, Encode(value));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")] // as text: xUnit takes the literals 0.0 and -0.0 for one case
    [InlineData("1e-17")]
    public void Json_encode_writes_floats_within_epsilon_of_zero_as_0(string value)
    {
        Assert.Equal("0", Encode(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Json_encode_writes_integers_in_decimal()
    {
        Assert.Equal("[1,-5,1099511627776]", Encode(Array(1L, -5L, 1L << 40)));
    }

    // C printf semantics (the firmware's embedded printf differs beyond 1e9 and past 9 decimals: docs/twin.md).
    [Theory]
    [InlineData("12f", 1.5, "1.500000000000")]
    [InlineData("%.2f", 2.345, "2.35")]
    [InlineData("%.2f", 2.5e-3, "0.00")]
    [InlineData("3g", 1234.5678, "1.23e+03")]
    [InlineData("3g", 12.345, "12.3")]
    [InlineData("7g", 0.5, "0.5")]
    [InlineData("7g", 123456.789, "123456.8")]
    [InlineData("1g", 2e-5, "2e-05")]
    [InlineData("%08.2f", -3.14159, "-0003.14")]
    public void Json_encode_float_format_argument_is_a_printf_float_conversion(string mode, double value, string expected)
    {
        Assert.Equal(expected, Encode(value, LuatJson.FloatFormat(B(mode))));
    }

    [Theory]
    [InlineData("f")]
    [InlineData("12345678f")]
    [InlineData("7d")]
    public void Json_encode_float_format_other_than_2_to_7_bytes_ending_in_f_or_g_keeps_the_default(string mode)
    {
        Assert.Equal(LuatJson.DefaultFloatFormat, LuatJson.FloatFormat(B(mode)));
    }

    [Fact]
    public void Json_encode_empty_table_is_an_object()
    {
        Assert.Equal("{}", Encode(Table()));
    }

    [Fact]
    public void Json_encode_array_holes_are_null_and_too_sparse_arrays_fail()
    {
        Assert.Equal("[1,null,3]", Encode(Table((1L, 1L), (3L, 3L))));
        Assert.Equal("Cannot serialise table: excessively sparse array", Error(() => LuatJson.Encode(Table((1L, 1L), (11L, 1L)))));
    }

    [Fact]
    public void Json_encode_mixed_keys_make_an_object_with_quoted_number_keys()
    {
        Assert.Equal("{\"1\":\"a\",\"k\":true,\"1.5000000\":null}", Encode(Table((1L, B("a")), (B("k"), true), (1.5, JsonNull.Value))));
    }

    [Fact]
    public void Json_encode_fails_on_nan_inf_functions_and_bad_keys()
    {
        Assert.Equal("Cannot serialise number: must not be NaN or Inf", Error(() => LuatJson.Encode(double.NaN)));
        Assert.Equal("Cannot serialise number: must not be NaN or Inf", Error(() => LuatJson.Encode(Array(double.PositiveInfinity))));
        Assert.Equal("Cannot serialise function: type not supported", Error(() => LuatJson.Encode(Array(new LuaOpaque("function")))));
        Assert.Equal("Cannot serialise boolean: table key must be a number or string", Error(() => LuatJson.Encode(Table((true, 1L)))));
    }

    [Fact]
    public void Json_encode_nesting_deeper_than_1000_fails()
    {
        object value = Array(1L);
        for (var i = 1; i < 1000; i++)
            value = Array(value);
        Assert.StartsWith("[[[", Encode(value));
        Assert.Equal("Cannot serialise, excessive nesting (1001)", Error(() => LuatJson.Encode(Array(value))));
    }

    [Fact]
    public void Json_decode_integers_stay_integers_and_numbers_with_a_point_are_floats()
    {
        var array = (LuaTableValue)LuatJson.Decode(B("[0, 12, -7, 1.5, 2.0, 1.5e3]"));
        Assert.Equal(new object?[] { 0L, 12L, -7L, 1.5, 2.0, 1500.0 }, array.Entries.Select(e => e.Value));
    }

    [Fact]
    public void Json_decode_minus_zero_is_a_float()
    {
        var value = LuatJson.Decode(B("-0"));
        Assert.True(value is double d && double.IsNegative(d) && d == 0);
    }

    [Fact]
    public void Json_decode_rejects_an_exponent_without_a_decimal_point()
    {
        Assert.Equal("Expected the end but found invalid token at character 2", Error(() => LuatJson.Decode(B("1e3"))));
    }

    [Fact]
    public void Json_decode_saturates_integers_at_the_vm_integer_range()
    {
        // The 32-bit firmware saturates at +-2^31 (strtol); the twin is a 64-bit VM (strtoll).
        Assert.Equal(long.MaxValue, LuatJson.Decode(B("99999999999999999999")));
        Assert.Equal(long.MinValue, LuatJson.Decode(B("-99999999999999999999")));
    }

    [Theory]
    [InlineData("01", "Expected value but found invalid number at character 1")]
    [InlineData("+1", "Expected value but found invalid token at character 1")]
    [InlineData("0x10", "Expected value but found invalid number at character 1")]
    [InlineData("-inf", "Expected value but found invalid number at character 1")]
    [InlineData("nan", "Expected value but found invalid token at character 1")]
    [InlineData("", "Expected value but found T_END at character 1")]
    [InlineData("{\"a\" 1}", "Expected colon but found T_INTEGER at character 6")]
    [InlineData("[1 2]", "Expected comma or array end but found T_INTEGER at character 4")]
    [InlineData("\"abc", "Expected value but found unexpected end of string at character 5")]
    [InlineData("\"\\x\"", "Expected value but found invalid escape code at character 2")]
    public void Json_decode_errors_read_expected_x_but_found_y_at_character_n(string json, string message)
    {
        Assert.Equal(message, Error(() => LuatJson.Decode(B(json))));
    }

    [Fact]
    public void Json_decode_converts_unicode_escapes_and_surrogate_pairs_to_utf8()
    {
        Assert.Equal("é中😀", Encoding.UTF8.GetString((byte[])LuatJson.Decode(B("\"\\u00e9\\u4E2D\\ud83d\\ude00\""))));
        Assert.Equal("Expected value but found invalid unicode escape code at character 2", Error(() => LuatJson.Decode(B("\"\\ude00\""))));
    }

    [Fact]
    public void Json_decode_passes_bytes_above_0x7f_without_utf8_validation()
    {
        Assert.Equal(new byte[] { 0xFF, 0x80 }, LuatJson.Decode([(byte)'"', 0xFF, 0x80, (byte)'"']));
    }

    [Fact]
    public void Json_decode_stops_at_a_nul_byte_and_rejects_a_nul_in_the_first_two_bytes()
    {
        Assert.Equal(5L, LuatJson.Decode([(byte)'5', (byte)' ', 0, (byte)'x']));
        Assert.Equal("JSON parser does not support UTF-16 or UTF-32", Error(() => LuatJson.Decode([(byte)'[', 0, (byte)'1', (byte)']'])));
    }

    [Fact]
    public void Json_decode_nesting_deeper_than_1000_fails()
    {
        Assert.IsType<LuaTableValue>(LuatJson.Decode(B(new string('[', 1000) + new string(']', 1000))));
        Assert.StartsWith("Found too many nested data structures (1001)", Error(() => LuatJson.Decode(B(new string('[', 1001) + new string(']', 1001)))));
    }

    // Through the module: argument handling and the Lua values.

    [Fact]
    public void Json_encode_of_nil_is_an_empty_string_and_failures_return_nil_and_the_message()
    {
        using var m = new ScriptedModule("""
            print(#json.encode(nil))
            print(json.encode({ f = print }))
            print(json.encode(0/0))
            local t = {} t[1] = t
            print(json.encode(t))
            """);
        Assert.Equal("0", m.Next());
        Assert.Equal("nil Cannot serialise function: type not supported", m.Next());
        Assert.Equal("nil Cannot serialise number: must not be NaN or Inf", m.Next());
        Assert.Equal("nil Cannot serialise, excessive nesting (1001)", m.Next());
    }

    [Fact]
    public void Json_decode_failure_returns_nil_false_and_the_message()
    {
        using var m = new ScriptedModule("""
            print(json.decode("[1,"))
            print(json.decode())
            print(json.decode({}))
            print(json.decode("[1]", 2))
            print(select("#", json.decode("[1]")), select(2, json.decode("[1]")))
            """);
        Assert.Equal("nil false Expected value but found T_END at character 4", m.Next());
        Assert.Equal("nil false bad argument #1 to '?' (expected 1 argument)", m.Next());
        Assert.Equal("nil false bad argument #1 to '?' (string expected, got table)", m.Next());
        Assert.Equal("nil false bad argument #1 to '?' (expected 1 argument)", m.Next());
        Assert.Equal("2 1", m.Next());
    }

    [Fact]
    public void Json_null_decodes_to_json_null_which_is_truthy_and_encodes_as_null()
    {
        using var m = new ScriptedModule("""
            local t = json.decode('{"a":null,"b":[1,null]}')
            print(t.a == json.null, t.a and "truthy", type(t.a), t.b[2] == json.null, json.encode({ json.null }))
            """);
        Assert.Equal("true truthy userdata true [null]", m.Next());
    }

    [Fact]
    public void Json_lua_integers_and_floats_keep_their_subtype_both_ways()
    {
        using var m = new ScriptedModule("""
            local t = json.decode("[3, 3.0, -0]")
            print(math.type(t[1]), math.type(t[2]), math.type(t[3]), json.encode({ 3, 4 / 2, 2^53 }), json.encode(1.5, "2f"))
            """);
        Assert.Equal("integer float float [3,2.0000000,9007199254740992.0000000] 1.50", m.Next());
    }
}
