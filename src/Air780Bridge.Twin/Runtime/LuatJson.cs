using System.Globalization;
using System.Numerics;
using System.Text;

namespace Air780Bridge.Twin.Runtime;

/// <summary>json.null: a NULL light userdata on the module (truthy in Lua).</summary>
public sealed class JsonNull
{
    public static readonly JsonNull Value = new();
    private JsonNull() { }
}

/// <summary>A Lua table as its entries in iteration order; keys are long, double, byte[] (string), bool or
/// <see cref="LuaOpaque"/>. Used both for tables read from Lua and for decoded JSON.</summary>
public sealed class LuaTableValue(List<KeyValuePair<object, object?>> entries)
{
    public List<KeyValuePair<object, object?>> Entries { get; } = entries;
}

/// <summary>A Lua value json cannot represent (function, userdata, thread, table beyond the read depth).</summary>
public sealed record LuaOpaque(string TypeName);

/// <summary>A json.encode/decode failure; <see cref="Exception.Message"/> is the firmware's error text.</summary>
public sealed class LuatJsonException(string message) : Exception(message);

/// <summary>
/// LuatOS's json library (components/lua-cjson, a modified lua-cjson; reference §12): raw bytes >= 0x80, floats
/// through a printf float conversion (C rules; see CFloatFormat), empty tables as {}, integer-or-float number tokens.
/// </summary>
public static class LuatJson
{
    public const int MaxDepth = 1000;
    public const string DefaultFloatFormat = "%.7f";

    // The twin is a 64-bit VM build: lua_Number is a double, so the "write 0" threshold is DBL_EPSILON.
    private const double ZeroThreshold = 2.220446049250313E-16;

    /// <summary>The float format json.encode's 2nd argument selects on released firmware: a 2-7 byte string
    /// ending in f or g, used as is when it starts with '%', else prefixed with "%."; anything else keeps %.7f.</summary>
    public static string FloatFormat(byte[]? mode)
    {
        if (mode is null || mode.Length is < 2 or > 7 || mode[^1] is not ((byte)'f' or (byte)'g'))
            return DefaultFloatFormat;
        var text = Encoding.Latin1.GetString(mode);
        return text[0] == '%' ? text : "%." + text;
    }

    public static byte[] Encode(object? value, string floatFormat = DefaultFloatFormat, bool escapeSlash = false)
    {
        var output = new List<byte>();
        new Encoder(output, floatFormat, escapeSlash).Append(value, 0);
        return [.. output];
    }

    private sealed class Encoder(List<byte> output, string floatFormat, bool escapeSlash)
    {
        public void Append(object? value, int depth)
        {
            switch (value)
            {
                case byte[] s: AppendString(s); break;
                case long or double: AppendNumber(value); break;
                case bool b: Ascii(b ? "true" : "false"); break;
                case null or JsonNull: Ascii("null"); break;
                case LuaTableValue table:
                    depth++;
                    if (depth > MaxDepth)
                        throw new LuatJsonException($"Cannot serialise, excessive nesting ({depth})");
                    var length = ArrayLength(table);
                    if (length > 0)
                        AppendArray(table, length, depth);
                    else
                        AppendObject(table, depth);
                    break;
                case LuaOpaque o: throw new LuatJsonException($"Cannot serialise {o.TypeName}: type not supported");
                default: throw new ArgumentException($"no Lua form for {value.GetType().Name}", nameof(value));
            }
        }

        // lua-cjson: all keys positive integers -> array of length max; an empty table is not an array.
        private static long ArrayLength(LuaTableValue table)
        {
            long max = 0, items = 0;
            foreach (var (key, _) in table.Entries)
            {
                var k = key switch { long l => (double)l, double d => d, _ => 0 };
                if (k < 1 || Math.Floor(k) != k)
                    return -1;
                max = Math.Max(max, (long)k);
                items++;
            }
            if (max > items * 2 && max > 10)
                throw new LuatJsonException("Cannot serialise table: excessively sparse array");
            return max;
        }

        private void AppendArray(LuaTableValue table, long length, int depth)
        {
            var byIndex = new Dictionary<long, object?>();
            foreach (var (key, value) in table.Entries)
                byIndex[key is long l ? l : (long)(double)key] = value;
            output.Add((byte)'[');
            for (long i = 1; i <= length; i++)
            {
                if (i > 1)
                    output.Add((byte)',');
                Append(byIndex.GetValueOrDefault(i), depth);
            }
            output.Add((byte)']');
        }

        private void AppendObject(LuaTableValue table, int depth)
        {
            output.Add((byte)'{');
            var first = true;
            foreach (var (key, value) in table.Entries)
            {
                if (!first)
                    output.Add((byte)',');
                first = false;
                switch (key)
                {
                    case long or double:
                        output.Add((byte)'"');
                        AppendNumber(key);
                        Ascii("\":");
                        break;
                    case byte[] s:
                        AppendString(s);
                        output.Add((byte)':');
                        break;
                    default:
                        throw new LuatJsonException($"Cannot serialise {TypeName(key)}: table key must be a number or string");
                }
                Append(value, depth);
            }
            output.Add((byte)'}');
        }

        private void AppendNumber(object number)
        {
            if (number is long l)
            {
                Ascii(l.ToString(CultureInfo.InvariantCulture));
                return;
            }
            var d = (double)number;
            if (double.IsNaN(d) || double.IsInfinity(d))
                throw new LuatJsonException("Cannot serialise number: must not be NaN or Inf");
            // The firmware writes "0.0" but extends the buffer by one byte: "0".
            Ascii(Math.Abs(d) <= ZeroThreshold ? "0" : CFloatFormat.Format(floatFormat, d));
        }

        // Control bytes, '"', '\' and 0x7F are escaped; everything else, including bytes >= 0x80, is copied raw.
        private void AppendString(byte[] s)
        {
            output.Add((byte)'"');
            foreach (var b in s)
            {
                var escape = b switch
                {
                    0x08 => "\\b", 0x09 => "\\t", 0x0A => "\\n", 0x0C => "\\f", 0x0D => "\\r",
                    (byte)'"' => "\\\"", (byte)'\\' => "\\\\",
                    (byte)'/' when escapeSlash => "\\/",
                    < 0x20 or 0x7F => $"\\u{b:x4}",
                    _ => null,
                };
                if (escape is null)
                    output.Add(b);
                else
                    Ascii(escape);
            }
            output.Add((byte)'"');
        }

        private void Ascii(string s) => output.AddRange(Encoding.ASCII.GetBytes(s));
    }

    private static string TypeName(object key) => key switch
    {
        bool => "boolean",
        LuaTableValue => "table",
        LuaOpaque o => o.TypeName,
        _ => "userdata",
    };

    // decode --------------------------------------------------------------------------------------

    /// <summary>json.decode's value; throws <see cref="LuatJsonException"/> with the firmware's message.</summary>
    public static object Decode(byte[] json)
    {
        if (json.Length >= 2 && (json[0] == 0 || json[1] == 0))
            throw new LuatJsonException("JSON parser does not support UTF-16 or UTF-32");
        var parser = new Parser(json);
        var value = parser.Value(parser.Next());
        var end = parser.Next();
        if (end.Type != TokenType.End)
            throw Parser.Expected("the end", end);
        return value;
    }

    private enum TokenType { ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Integer, Boolean, Null, Colon, Comma, End, Whitespace, Error }

    private readonly record struct Token(TokenType Type, int Index, object? Value = null, string? Error = null);

    private sealed class Parser(byte[] data)
    {
        private int _pos;
        private int _depth;

        // A NUL byte ends the input, as in the C string the firmware scans.
        private byte At(int i) => i < data.Length ? data[i] : (byte)0;

        public static LuatJsonException Expected(string what, Token found) =>
            new($"Expected {what} but found {(found.Type == TokenType.Error ? found.Error : "T_" + TokenName(found.Type))} at character {found.Index + 1}");

        private static string TokenName(TokenType t) => t switch
        {
            TokenType.ObjBegin => "OBJ_BEGIN", TokenType.ObjEnd => "OBJ_END", TokenType.ArrBegin => "ARR_BEGIN",
            TokenType.ArrEnd => "ARR_END", _ => t.ToString().ToUpperInvariant(),
        };

        public object Value(Token token) => token.Type switch
        {
            TokenType.String or TokenType.Number or TokenType.Integer or TokenType.Boolean => token.Value!,
            TokenType.Null => JsonNull.Value,
            TokenType.ObjBegin => Object(),
            TokenType.ArrBegin => Array(),
            _ => throw Expected("value", token),
        };

        private void Descend()
        {
            if (++_depth > MaxDepth)
                throw new LuatJsonException($"Found too many nested data structures ({_depth}) at character {_pos}");
        }

        private LuaTableValue Object()
        {
            Descend();
            var entries = new List<KeyValuePair<object, object?>>();
            var token = Next();
            if (token.Type == TokenType.ObjEnd)
            {
                _depth--;
                return new(entries);
            }
            while (true)
            {
                if (token.Type != TokenType.String)
                    throw Expected("object key string", token);
                var key = token.Value!;
                token = Next();
                if (token.Type != TokenType.Colon)
                    throw Expected("colon", token);
                entries.Add(new(key, Value(Next())));
                token = Next();
                if (token.Type == TokenType.ObjEnd)
                {
                    _depth--;
                    return new(entries);
                }
                if (token.Type != TokenType.Comma)
                    throw Expected("comma or object end", token);
                token = Next();
            }
        }

        private LuaTableValue Array()
        {
            Descend();
            var entries = new List<KeyValuePair<object, object?>>();
            var token = Next();
            if (token.Type == TokenType.ArrEnd)
            {
                _depth--;
                return new(entries);
            }
            for (long i = 1; ; i++)
            {
                entries.Add(new(i, Value(token)));
                token = Next();
                if (token.Type == TokenType.ArrEnd)
                {
                    _depth--;
                    return new(entries);
                }
                if (token.Type != TokenType.Comma)
                    throw Expected("comma or array end", token);
                token = Next();
            }
        }

        public Token Next()
        {
            while (At(_pos) is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
                _pos++;
            var start = _pos;
            var c = At(_pos);
            switch (c)
            {
                case 0: return new(TokenType.End, start);
                case (byte)'{': _pos++; return new(TokenType.ObjBegin, start);
                case (byte)'}': _pos++; return new(TokenType.ObjEnd, start);
                case (byte)'[': _pos++; return new(TokenType.ArrBegin, start);
                case (byte)']': _pos++; return new(TokenType.ArrEnd, start);
                case (byte)',': _pos++; return new(TokenType.Comma, start);
                case (byte)':': _pos++; return new(TokenType.Colon, start);
                case (byte)'"': return StringToken();
                case (byte)'-' or (>= (byte)'0' and <= (byte)'9'):
                    return InvalidNumber() ? Error("invalid number") : NumberToken();
            }
            if (Matches("true")) return new(TokenType.Boolean, start, true);
            if (Matches("false")) return new(TokenType.Boolean, start, false);
            if (Matches("null")) return new(TokenType.Null, start);
            return Error("invalid token");
        }

        private Token Error(string message) => new(TokenType.Error, _pos, Error: message);

        private bool Matches(string word)
        {
            for (var i = 0; i < word.Length; i++)
                if (At(_pos + i) != word[i])
                    return false;
            _pos += word.Length;
            return true;
        }

        // Strict JSON: no '+', hex, leading zeros, inf or nan.
        private bool InvalidNumber()
        {
            var p = _pos;
            if (At(p) == '-')
                p++;
            if (At(p) == '0')
                return (At(p + 1) | 0x20) == 'x' || At(p + 1) is >= (byte)'0' and <= (byte)'9';
            if (At(p) <= '9')
                return false;
            var rest = Encoding.Latin1.GetString(data, p, Math.Min(3, data.Length - p));
            return rest.Equals("inf", StringComparison.OrdinalIgnoreCase) || rest.Equals("nan", StringComparison.OrdinalIgnoreCase);
        }

        // The firmware first measures the token with strtod; without a '.' it re-reads it with strtoll and keeps
        // that integer unless it is 0, continuing after strtoll's end in both cases (so "1e3" stops at 'e'
        // and "-0" stays the float -0.0).
        private Token NumberToken()
        {
            var start = _pos;
            var end = StrtodEnd(start);
            if (end == start)
                return Error("invalid number");
            var text = Encoding.Latin1.GetString(data, start, end - start);
            if (text == "0")
            {
                _pos = end;
                return new(TokenType.Integer, start, 0L);
            }
            var number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (text.Contains('.'))
            {
                _pos = end;
                return new(TokenType.Number, start, number);
            }
            var (integer, integerEnd) = Strtoll(start);
            _pos = integerEnd;
            return integer != 0 ? new(TokenType.Integer, start, integer) : new(TokenType.Number, start, number);
        }

        private int StrtodEnd(int p)
        {
            if (At(p) is (byte)'-' or (byte)'+')
                p++;
            var digits = Digits(ref p);
            if (At(p) == '.')
            {
                var q = p + 1;
                var fraction = Digits(ref q);
                if (digits + fraction == 0)
                    return _pos;
                p = q;
            }
            else if (digits == 0)
                return _pos;
            if (At(p) is (byte)'e' or (byte)'E')
            {
                var q = p + 1;
                if (At(q) is (byte)'-' or (byte)'+')
                    q++;
                if (Digits(ref q) > 0)
                    p = q;
            }
            return p;
        }

        private int Digits(ref int p)
        {
            var n = 0;
            while (At(p) is >= (byte)'0' and <= (byte)'9')
            {
                p++;
                n++;
            }
            return n;
        }

        // strtoll: saturates at the long range (the 32-bit firmware's strtol saturates at +-2^31).
        private (long Value, int End) Strtoll(int p)
        {
            var negative = At(p) == '-';
            if (negative)
                p++;
            BigInteger value = 0;
            while (At(p) is >= (byte)'0' and <= (byte)'9')
                value = value * 10 + (At(p++) - '0');
            if (negative)
                value = -value;
            return ((long)BigInteger.Clamp(value, long.MinValue, long.MaxValue), p);
        }

        private Token StringToken()
        {
            var start = _pos;
            _pos++;
            var text = new List<byte>();
            while (At(_pos) != '"')
            {
                var c = At(_pos);
                if (c == 0)
                    return Error("unexpected end of string");
                if (c == '\\')
                {
                    var e = At(_pos + 1);
                    if (e == 'u')
                    {
                        if (!UnicodeEscape(text))
                            return Error("invalid unicode escape code");
                        continue;
                    }
                    c = e switch
                    {
                        (byte)'"' => (byte)'"', (byte)'\\' => (byte)'\\', (byte)'/' => (byte)'/', (byte)'b' => 8,
                        (byte)'t' => 9, (byte)'n' => 10, (byte)'f' => 12, (byte)'r' => 13, _ => 0,
                    };
                    if (c == 0)
                        return Error("invalid escape code");
                    _pos++;
                }
                text.Add(c);
                _pos++;
            }
            _pos++;
            return new(TokenType.String, start, text.ToArray());
        }

        // \uXXXX (a high surrogate must be followed by a \u low surrogate) appended as UTF-8.
        private bool UnicodeEscape(List<byte> text)
        {
            var code = Hex4(_pos + 2);
            if (code < 0)
                return false;
            var length = 6;
            if ((code & 0xF800) == 0xD800)
            {
                if ((code & 0x400) != 0 || At(_pos + 6) != '\\' || At(_pos + 7) != 'u')
                    return false;
                var low = Hex4(_pos + 8);
                if (low < 0 || (low & 0xFC00) != 0xDC00)
                    return false;
                code = ((code & 0x3FF) << 10 | low & 0x3FF) + 0x10000;
                length = 12;
            }
            Span<byte> utf8 = stackalloc byte[4];
            text.AddRange(utf8[..new Rune(code).EncodeToUtf8(utf8)]);
            _pos += length;
            return true;
        }

        private int Hex4(int p)
        {
            var value = 0;
            for (var i = 0; i < 4; i++)
            {
                var d = HexValue(At(p + i));
                if (d < 0)
                    return -1;
                value = value << 4 | d;
            }
            return value;
        }

        private static int HexValue(byte c) => c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            _ => -1,
        };
    }
}
