using System.Security.Cryptography;
using Air780Bridge.Twin.Runtime;
using KeraLua;

namespace Air780Bridge.Twin.Libraries;

/// <summary>crypto: the CRCs, base64 and the random source the agent uses.</summary>
internal sealed class CryptoLibrary : ILuatLibrary
{
    public string Name => "crypto";

    public void Register(LuaBindings bindings)
    {
        bindings.Function("crypto.crc16", Crc16);
        bindings.Function("crypto.crc16_modbus", a => [(long)LuatCrc.Crc16Modbus(a.CheckBytes(1))]);
        // A 64-bit VM returns the CRC unsigned; the 32-bit firmware returns values >= 2^31 negative.
        bindings.Function("crypto.crc32", a => [(long)LuatCrc.Crc32(a.CheckBytes(1), (uint)(a.OptInteger(2) ?? 0xFFFFFFFF), (uint)(a.OptInteger(3) ?? 0x04C11DB7), (uint)(a.OptInteger(4) ?? 0xFFFFFFFF))]);
        bindings.Function("crypto.base64_encode", a => [LuatString.ToBase64(a.CheckBytes(1))]);
        bindings.Function("crypto.base64_decode", a => [LuatString.FromBase64(a.CheckBytes(1))]);
        bindings.Function("crypto.trng", a => [RandomNumberGenerator.GetBytes((int)Math.Clamp(a.CheckInteger(1), 0, 128))]);
    }

    private static object?[] Crc16(LuaArgs a)
    {
        var method = System.Text.Encoding.ASCII.GetString(a.CheckBytes(1));
        var data = a.Type(2) switch
        {
            LuaType.String or LuaType.Number => a.CheckBytes(2),
            LuaType.UserData => throw new LuaRaise("twin: zbuff is not emulated"),
            _ => [], // lua_tolstring gives NULL, length 0
        };
        ushort? U16(int i) => a.IsNil(i) ? null : (ushort)(long)a.CheckNumber(i);
        bool? Flag(int i) => a.IsNil(i) ? null : (byte)(long)a.CheckNumber(i) != 0;
        var p = LuatCrc.Crc16For(method, U16(3), U16(4), U16(5), Flag(6), Flag(7));
        return [(long)LuatCrc.Crc16(data, p)];
    }
}
