using System.Globalization;
using System.Text.Json;

namespace Air780Bridge.Cli.Commands;

/// <summary>
/// Lua arguments written on a command line: integers, floats, true/false/nil, JSON objects (tables keyed by
/// string) and arrays, hex:0A0B for binary, anything else a string. `-` reads the value from stdin.
/// </summary>
internal static class LuaArguments
{
    public static object? Parse(string text) => text switch
    {
        "nil" => null,
        "true" => true,
        "false" => false,
        "-" => Console.OpenStandardInput() is var stdin ? ReadAll(stdin) : null,
        _ when text.StartsWith("hex:", StringComparison.Ordinal) => Hex(text[4..]),
        _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => i,
        _ when text.Contains('.') && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ when text.StartsWith('{') || text.StartsWith('[') => FromJson(Json(text)),
        _ => text,
    };

    private static byte[] Hex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new FormatException($"\"hex:{hex}\" is not an even number of hex digits");
        }
    }

    private static JsonElement Json(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException e)
        {
            throw new FormatException($"argument {text} looks like a JSON table but does not parse: {e.Message}");
        }
    }

    /// <summary>
    /// A JSON value that is already typed (the session's "args"): null is nil, a string stays a string (so "123"
    /// and "nil" are text) except "hex:.." for binary, numbers, booleans, arrays and objects as they are.
    /// </summary>
    public static object? FromJsonArgument(JsonElement e) =>
        e.ValueKind == JsonValueKind.String && e.GetString() is { } s && s.StartsWith("hex:", StringComparison.Ordinal) ? Hex(s[4..]) : FromJson(e);

    private static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToArray(),
        JsonValueKind.Number when e.TryGetInt64(out var i) => i,
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => e.GetString(),
    };

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
