using System.Text;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Runtime;

namespace Air780Bridge.Twin.Tests.Runtime;

/// <summary>Reference §13: string extensions, crypto CRCs, rtos, mobile, log; and the twin's error rules.</summary>
public class HelperTests
{
    static byte[] B(string s) => Encoding.Latin1.GetBytes(s);
    static string S(byte[] b) => Encoding.Latin1.GetString(b);

    [Fact]
    public void String_toHex_returns_uppercase_hex_and_twice_the_input_length()
    {
        var (hex, count) = LuatString.ToHex(new byte[] { 0x00, 0xAB, 0x7F }, []);
        Assert.Equal("00AB7F", S(hex));
        Assert.Equal(6, count);
    }

    [Fact]
    public void String_toHex_puts_the_separator_after_every_byte_and_still_counts_twice_the_length()
    {
        var (hex, count) = LuatString.ToHex(new byte[] { 0x01, 0x02 }, B(" "));
        Assert.Equal("01 02 ", S(hex));
        Assert.Equal(4, count);
    }

    [Fact]
    public void String_fromHex_accepts_both_cases_skips_non_hex_and_drops_an_odd_nibble()
    {
        Assert.Equal(new byte[] { 0xAB, 0xCD }, LuatString.FromHex(B("abCD")));
        Assert.Equal(new byte[] { 0x01, 0x23 }, LuatString.FromHex(B("01 23")));
        Assert.Equal(new byte[] { 0x23 }, LuatString.FromHex(B("1:23")));
        Assert.Equal(new byte[] { 0x12 }, LuatString.FromHex(B("123")));
    }

    [Fact]
    public void String_toBase64_is_standard_with_padding_and_empty_for_empty()
    {
        Assert.Equal("aGk=", S(LuatString.ToBase64(B("hi"))));
        Assert.Equal("/+8=", S(LuatString.ToBase64(new byte[] { 0xFF, 0xEF })));
        Assert.Equal("", S(LuatString.ToBase64([])));
    }

    [Theory]
    [InlineData("aGk=", "hi")]
    [InlineData("aGVs\r\nbG8=", "hello")]
    [InlineData("aGVs\nbG8=  ", "hello")]
    [InlineData("aGVs  \nbG8=", "hello")]
    [InlineData("aGVs bG8=", "")]
    [InlineData("aG*k", "")]
    [InlineData("aG=k", "")]
    [InlineData("a===", "")]
    [InlineData("aGk", "")]
    [InlineData("", "")]
    public void String_fromBase64_allows_line_breaks_and_returns_empty_string_for_invalid_input(string text, string expected)
    {
        Assert.Equal(expected, S(LuatString.FromBase64(B(text))));
    }

    [Theory]
    [InlineData("IBM", 0xBB3D)]
    [InlineData("MAXIM", 0x44C2)]
    [InlineData("USB", 0xB4C8)]
    [InlineData("MODBUS", 0x4B37)]
    [InlineData("CCITT", 0x2189)]
    [InlineData("CCITT-FALSE", 0x29B1)]
    [InlineData("X25", 0x906E)]
    [InlineData("XMODEM", 0x31C3)]
    [InlineData("DNP", 0xEA82)]
    [InlineData("USER-DEFINED", 0)]
    [InlineData("NO-SUCH-METHOD", 0)]
    public void Crypto_crc16_methods_give_their_catalogue_check_values(string method, int check)
    {
        Assert.Equal(check, LuatCrc.Crc16(B("123456789"), LuatCrc.Crc16For(method)));
    }

    [Fact]
    public void Crypto_crc16_arguments_override_the_method_parameters()
    {
        // USER-DEFINED with XMODEM's parameters; then XMODEM with its output bit-reversed (0x31C3 -> 0xC38C).
        Assert.Equal(0x31C3, LuatCrc.Crc16(B("123456789"), LuatCrc.Crc16For("USER-DEFINED", poly: 0x1021)));
        Assert.Equal(0xC38C, LuatCrc.Crc16(B("123456789"), LuatCrc.Crc16For("XMODEM", reverseOutput: true)));
    }

    [Fact]
    public void Crypto_crc32_is_zlib_crc32_with_optional_start_poly_and_xorout()
    {
        Assert.Equal(0xCBF43926u, LuatCrc.Crc32(B("123456789")));
        Assert.Equal(0x340BC6D9u, LuatCrc.Crc32(B("123456789"), xorOut: 0));
        Assert.Equal(0xE3069283u, LuatCrc.Crc32(B("123456789"), poly: 0x1EDC6F41)); // CRC-32C
    }

    [Fact]
    public void Crypto_and_string_helpers_through_the_module()
    {
        using var m = new ScriptedModule("""
            print(select("#", ("\1\2"):toHex()), ("\1\2"):toHex(), ("0a0B"):fromHex() == "\10\11")
            print(string.toBase64("hi"), string.fromBase64("!!") == "", crypto.base64_decode("aGk="))
            print(crypto.crc16("MODBUS", "123456789"), crypto.crc16_modbus("123456789", 0), crypto.crc16("XMODEM", nil))
            print(crypto.crc32("123456789"), crypto.crc32("123456789", 0xFFFFFFFF, 0x04C11DB7, 0))
            """);
        Assert.Equal("2 0102 true", m.Next());
        Assert.Equal("aGk= true hi", m.Next());
        Assert.Equal($"{0x4B37} {0x4B37} 0", m.Next());
        Assert.Equal($"{0xCBF43926L} {0x340BC6D9L}", m.Next());
    }

    [Fact]
    public void Rtos_version_and_bsp_follow_the_firmware_profile()
    {
        using (var current = new ScriptedModule("print(rtos.bsp(), rtos.version(), rtos.version(true))", FirmwareProfile.Air780epV2028))
            Assert.Equal("EC718P V2028 V2028 0 64", current.Next());
        using var legacy = new ScriptedModule("print(rtos.bsp(), rtos.version(true))", FirmwareProfile.Air780eV1112);
        Assert.Equal("EC618 V1112", legacy.Next());
    }

    [Fact]
    public void Mobile_imei_iccid_and_csq_come_from_the_module_options()
    {
        const string probe = "print(mobile.imei(), mobile.iccid(), mobile.csq(), math.type(mobile.csq()))";
        using (var m = new ScriptedModule(probe, configure: o => o with { Imei = "861234567890123", Iccid = "89860000000000000001", Csq = 17 }))
            Assert.Equal("861234567890123 89860000000000000001 17 integer", m.Next());
        using var noSim = new ScriptedModule(probe, configure: o => o with { Imei = "861234567890123", SimInserted = false, Csq = 0 });
        Assert.Equal("861234567890123 nil 0 integer", noSim.Next());
    }

    [Fact]
    public void Log_lines_read_level_slash_user_dot_tag_then_the_values_separated_by_spaces()
    {
        using var m = new ScriptedModule("""
            log.info("main", "hello", 1, 2.5, nil, true)
            log.warn("w")
            log.error("e", "x")
            log.debug("d", "y")
            log.info()
            log.info(nil, "v")
            log.info(7, "v")
            print("p", 1)
            """);
        Assert.Equal("I/user.main hello 1 2.5 nil true", m.Next());
        Assert.Equal("W/user.w", m.Next());
        Assert.Equal("E/user.e x", m.Next());
        Assert.Equal("D/user.d y", m.Next());
        Assert.Equal("I/user.(null) v", m.Next());
        Assert.Equal("I/user.7 v", m.Next());
        Assert.Equal("p 1", m.Next());
    }

    [Fact]
    public void An_api_the_twin_lacks_raises_an_error_naming_it()
    {
        using var m = new ScriptedModule("""
            for _, f in ipairs({
                function() return uart.exist(1) end,
                function() return crypto.md5("x") end,
                function() return sys.restart() end,
                function() return ("a,b"):split(",") end,
                function() return log.setLevel("INFO") end,
            }) do print(select(2, pcall(f))) end
            print("constants", mqtt.NO_SUCH_CONSTANT)
            """);
        Assert.EndsWith("twin: uart.exist is not emulated", m.Next());
        Assert.EndsWith("twin: crypto.md5 is not emulated", m.Next());
        Assert.EndsWith("twin: sys.restart is not emulated", m.Next());
        Assert.EndsWith("twin: string.split is not emulated", m.Next());
        Assert.EndsWith("twin: log.setLevel is not emulated", m.Next());
        Assert.Equal("constants nil", m.Next());
    }

    [Fact]
    public void Rtos_reboot_reboots_even_under_pcall()
    {
        using var m = new ScriptedModule("""
            print("boot")
            sys.timerStart(function() pcall(rtos.reboot) print("survived") end, 1)
            """);
        Assert.Equal("boot", m.Next());
        Assert.Equal("rtos.reboot", m.NextReboot());
        Assert.Equal("boot", m.Next());
    }

    [Fact]
    public void An_uncaught_error_in_a_callback_reboots_and_the_agent_starts_with_a_new_boot_id()
    {
        using var m = new ScriptedModule("""
            require("br_agent").start()
            sys.timerStart(function() error("callback boom") end, 1)
            """);
        var first = m.Next("I/user.br_agent air780bridge agent started");
        Assert.Contains("callback boom", m.NextReboot());
        var second = m.Next("I/user.br_agent air780bridge agent started");
        Assert.Matches("boot_id [0-9a-f]{8}$", first);
        Assert.NotEqual(first, second);
        Assert.Equal(2, m.Module.BootCount);
    }
}
