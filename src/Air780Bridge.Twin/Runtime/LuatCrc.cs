namespace Air780Bridge.Twin.Runtime;

/// <summary>crypto.crc16 / crc16_modbus / crc32 as luat_lib_crypto.c and luat_crc.c compute them; reference §13.</summary>
public static class LuatCrc
{
    /// <summary>Parameters of one crypto.crc16 method. <see cref="Reflect"/> reflects input and register
    /// (LuatOS has one flag for both); <see cref="ReverseOutput"/> additionally bit-reverses the final value.</summary>
    public readonly record struct Crc16Parameters(ushort Poly, ushort Init, ushort XorOut, bool Reflect, bool ReverseOutput);

    /// <summary>The method names crypto.crc16 knows. Their catalogue names: IBM = CRC-16/ARC, MAXIM = MAXIM-DOW,
    /// USB, MODBUS, CCITT = KERMIT, CCITT-FALSE = IBM-3740, X25, XMODEM, DNP.</summary>
    public static readonly IReadOnlyDictionary<string, Crc16Parameters> Crc16Methods = new Dictionary<string, Crc16Parameters>
    {
        ["IBM"] = new(0x8005, 0x0000, 0x0000, true, false),
        ["MAXIM"] = new(0x8005, 0x0000, 0xFFFF, true, false),
        ["USB"] = new(0x8005, 0xFFFF, 0xFFFF, true, false),
        ["MODBUS"] = new(0x8005, 0xFFFF, 0x0000, true, false),
        ["CCITT"] = new(0x1021, 0x0000, 0x0000, true, false),
        ["CCITT-FALSE"] = new(0x1021, 0xFFFF, 0x0000, false, false),
        ["X25"] = new(0x1021, 0xFFFF, 0xFFFF, true, false),
        ["XMODEM"] = new(0x1021, 0x0000, 0x0000, false, false),
        ["DNP"] = new(0x3D65, 0x0000, 0xFFFF, true, false),
        ["USER-DEFINED"] = new(0, 0, 0, false, false),
    };

    /// <summary>
    /// Parameters for crypto.crc16(method, data, poly, initial, finally, inReverse, outReverse): an unknown
    /// method name starts from all zeros like USER-DEFINED (so it returns 0 unless parameters follow), and
    /// the optional arguments override any method's defaults.
    /// </summary>
    public static Crc16Parameters Crc16For(string method, ushort? poly = null, ushort? init = null, ushort? xorOut = null, bool? reflect = null, bool? reverseOutput = null)
    {
        var p = Crc16Methods.GetValueOrDefault(method);
        return new(poly ?? p.Poly, init ?? p.Init, xorOut ?? p.XorOut, reflect ?? p.Reflect, reverseOutput ?? p.ReverseOutput);
    }

    public static ushort Crc16(ReadOnlySpan<byte> data, Crc16Parameters p)
    {
        int crc = p.Init;
        if (p.Reflect)
        {
            var poly = Reverse16(p.Poly);
            foreach (var b in data)
                for (var i = 0; i < 8; i++)
                    crc = ((crc ^ b >> i) & 1) != 0 ? crc >> 1 ^ poly : crc >> 1;
        }
        else
        {
            foreach (var b in data)
            {
                crc ^= b << 8;
                for (var i = 0; i < 8; i++)
                    crc = (crc & 0x8000) != 0 ? (crc << 1 ^ p.Poly) & 0xFFFF : crc << 1 & 0xFFFF;
            }
        }
        var result = (ushort)(crc ^ p.XorOut);
        return p.ReverseOutput ? Reverse16(result) : result;
    }

    /// <summary>crypto.crc16_modbus(data[, init]): the init argument is ignored by the firmware (always 0xFFFF).</summary>
    public static ushort Crc16Modbus(ReadOnlySpan<byte> data) => Crc16(data, Crc16Methods["MODBUS"]);

    /// <summary>crypto.crc32(data[, start, poly, xorOut]): reflected CRC-32 with <paramref name="poly"/> given in
    /// normal form (0 means 0x04C11DB7); <paramref name="start"/> is the register's start value. Defaults = zlib.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data, uint start = 0xFFFFFFFF, uint poly = 0x04C11DB7, uint xorOut = 0xFFFFFFFF)
    {
        var reflected = ReverseBits(poly == 0 ? 0x04C11DB7 : poly, 32);
        var crc = start;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
                crc = (crc & 1) != 0 ? crc >> 1 ^ reflected : crc >> 1;
        }
        return crc ^ xorOut;
    }

    private static ushort Reverse16(int value) => (ushort)ReverseBits((uint)value, 16);

    private static uint ReverseBits(uint value, int bits)
    {
        uint r = 0;
        for (var i = 0; i < bits; i++)
            r |= (value >> i & 1) << (bits - 1 - i);
        return r;
    }
}
