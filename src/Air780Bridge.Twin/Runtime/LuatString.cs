namespace Air780Bridge.Twin.Runtime;

/// <summary>LuatOS's string extensions (lua/src/lstrlib_exts.c), byte for byte; reference §13.</summary>
public static class LuatString
{
    private const string HexDigits = "0123456789ABCDEF";
    private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>string.toHex: uppercase, <paramref name="separator"/> after every byte (also the last);
    /// the second Lua result is #s*2 whatever the separator.</summary>
    public static (byte[] Hex, long Count) ToHex(ReadOnlySpan<byte> data, ReadOnlySpan<byte> separator)
    {
        var output = new byte[data.Length * (2 + separator.Length)];
        var o = 0;
        foreach (var b in data)
        {
            output[o++] = (byte)HexDigits[b >> 4];
            output[o++] = (byte)HexDigits[b & 0xF];
            separator.CopyTo(output.AsSpan(o));
            o += separator.Length;
        }
        return (output, data.Length * 2L);
    }

    /// <summary>string.fromHex: any non-hex byte drops a pending half byte; an odd trailing nibble is dropped.</summary>
    public static byte[] FromHex(ReadOnlySpan<byte> hex)
    {
        var output = new List<byte>(hex.Length / 2);
        int? high = null;
        foreach (var c in hex)
        {
            var nibble = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => -1,
            };
            if (nibble < 0)
                high = null;
            else if (high is { } h)
            {
                output.Add((byte)(h << 4 | nibble));
                high = null;
            }
            else
                high = nibble;
        }
        return [.. output];
    }

    /// <summary>string.toBase64 / crypto.base64_encode: standard alphabet with padding.</summary>
    public static byte[] ToBase64(ReadOnlySpan<byte> data) => System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(data));

    /// <summary>
    /// string.fromBase64 / crypto.base64_decode (LuatOS's copy of mbedtls 2.x base64_decode): CRLF or LF line
    /// breaks and spaces before a line end are skipped; a space inside a line, '=' before data, more than two '=',
    /// or any other byte makes the whole result "" (never nil). An incomplete last group yields nothing.
    /// </summary>
    public static byte[] FromBase64(ReadOnlySpan<byte> text)
    {
        var symbols = new List<int>(text.Length);
        var padding = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var spaces = 0;
            while (i < text.Length && text[i] == ' ')
            {
                i++;
                spaces++;
            }
            if (i == text.Length)
                break;
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                continue; // the '\n' of the pair is skipped on the next round
            if (text[i] == '\n')
                continue;
            if (spaces != 0)
                return [];
            int value;
            if (text[i] == '=')
            {
                if (++padding > 2)
                    return [];
                value = 64;
            }
            else
            {
                value = Base64Alphabet.IndexOf((char)text[i]);
                if (value < 0 || padding != 0)
                    return [];
            }
            symbols.Add(value);
        }

        var output = new List<byte>(symbols.Count * 3 / 4);
        var remaining = 3;
        for (var s = 0; s + 4 <= symbols.Count; s += 4)
        {
            var x = 0;
            for (var k = 0; k < 4; k++)
            {
                if (symbols[s + k] == 64)
                    remaining--;
                x = x << 6 | symbols[s + k] & 0x3F;
            }
            if (remaining > 0) output.Add((byte)(x >> 16));
            if (remaining > 1) output.Add((byte)(x >> 8));
            if (remaining > 2) output.Add((byte)x);
        }
        return [.. output];
    }
}
