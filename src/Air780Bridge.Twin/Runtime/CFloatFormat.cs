using System.Globalization;
using System.Text;

namespace Air780Bridge.Twin.Runtime;

/// <summary>
/// One printf float conversion (%f %F %e %E %g %G with flags, width and precision) by the C standard's rules,
/// for json.encode's float format. The firmware links a small embedded printf that differs from C beyond 1e9
/// and past 9 decimals; that is not emulated (docs/twin.md).
/// </summary>
public static class CFloatFormat
{
    /// <summary>Formats <paramref name="value"/> with a format holding exactly one float conversion.</summary>
    /// <exception cref="NotSupportedException">No conversion, several, another conversion or a '*' width.</exception>
    public static string Format(string format, double value)
    {
        var start = format.IndexOf('%');
        if (start < 0 || format.IndexOf('%', start + 1) >= 0)
            throw new NotSupportedException($"float format \"{format}\" must hold exactly one % conversion");
        var i = start + 1;
        bool left = false, zero = false, plus = false, space = false, alternate = false;
        for (; i < format.Length && "-0+ #".Contains(format[i]); i++)
        {
            switch (format[i])
            {
                case '-': left = true; break;
                case '0': zero = true; break;
                case '+': plus = true; break;
                case ' ': space = true; break;
                default: alternate = true; break;
            }
        }
        var width = Digits(format, ref i) ?? 0;
        int? precision = null;
        if (i < format.Length && format[i] == '.')
        {
            i++;
            precision = Digits(format, ref i) ?? 0;
        }
        if (i >= format.Length || "fFeEgG".IndexOf(format[i]) < 0)
            throw new NotSupportedException($"float format \"{format}\" is not one %f/%e/%g conversion");
        var conversion = format[i];
        var body = Convert(Math.Abs(value), char.ToLowerInvariant(conversion), precision ?? 6, alternate);
        if (char.IsUpper(conversion)) body = body.ToUpperInvariant();
        var sign = double.IsNegative(value) ? "-" : plus ? "+" : space ? " " : "";
        var pad = Math.Max(0, width - sign.Length - body.Length);
        var field = left ? sign + body + new string(' ', pad)
            : zero ? sign + new string('0', pad) + body
            : new string(' ', pad) + sign + body;
        return format[..start] + field + format[(i + 1)..];
    }

    private static int? Digits(string s, ref int i)
    {
        if (i < s.Length && s[i] == '*') throw new NotSupportedException($"float format \"{s}\": '*' widths are not supported");
        var begin = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i > begin ? int.Parse(s.AsSpan(begin, i - begin), CultureInfo.InvariantCulture) : null;
    }

    private static string Convert(double v, char conversion, int precision, bool alternate)
    {
        switch (conversion)
        {
            case 'f':
                return v.ToString("F" + precision, CultureInfo.InvariantCulture);
            case 'e':
                return Exponent(v, precision);
            default:
                // %g: P significant digits; exponent form when the exponent is < -4 or >= P; trailing zeros removed unless '#'.
                var p = precision == 0 ? 1 : precision;
                var scientific = Exponent(v, p - 1);
                var x = int.Parse(scientific.AsSpan(scientific.IndexOf('e') + 1), CultureInfo.InvariantCulture);
                var text = x < -4 || x >= p ? scientific : v.ToString("F" + (p - 1 - x), CultureInfo.InvariantCulture);
                return alternate ? text : TrimZeros(text);
        }
    }

    /// <summary>d.ddde±XX: C writes at least two exponent digits.</summary>
    private static string Exponent(double v, int precision)
    {
        var net = v.ToString("E" + precision, CultureInfo.InvariantCulture); // e.g. 1.2346E+010
        var e = net.IndexOf('E');
        var exponent = int.Parse(net.AsSpan(e + 1), CultureInfo.InvariantCulture);
        return new StringBuilder(net[..e]).Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)).ToString();
    }

    private static string TrimZeros(string text)
    {
        var e = text.IndexOf('e');
        var mantissa = e < 0 ? text : text[..e];
        if (mantissa.Contains('.')) mantissa = mantissa.TrimEnd('0').TrimEnd('.');
        return e < 0 ? mantissa : mantissa + text[e..];
    }
}
