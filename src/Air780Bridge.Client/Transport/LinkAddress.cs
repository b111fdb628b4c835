namespace Air780Bridge.Client.Transport;

/// <summary>
/// Where a module is, parsed from a connection string: <c>serial:///dev/ttyACM0?baud=115200&amp;dtr=on</c> (or
/// <c>serial://COM3</c>, a bare <c>COM3</c> or <c>/dev/ttyACM0</c>, <c>serial://auto</c>), <c>tcp://host:port</c>
/// (a raw byte stream, as ser2net serves a port) or <c>twin:</c> (a virtual module a rig starts). The one parser for
/// the CLI, rig files and the client; the rules of each scheme live in its <see cref="ITransport"/>.
/// </summary>
public sealed record LinkAddress(string Scheme, string Target, int Port, int Baud, bool Dtr)
{
    public const int DefaultBaud = 115200;

    public bool IsSerial => Scheme == SerialTransport.Name;
    public bool IsTwin => Scheme == TwinTransport.Name;

    public ITransport Transport => Transports.Find(Scheme)!;

    /// <summary>The device or socket this address occupies, without options: two rig modules may not share one.</summary>
    public string Resource => Port == 0 ? $"{Scheme}://{Target}" : $"{Scheme}://{(Target.Contains(':') ? $"[{Target}]" : Target)}:{Port}";

    public override string ToString() => IsTwin ? "twin:" : IsSerial ? $"{Resource}?baud={Baud}" : Resource;

    public static LinkAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    /// <summary>On failure <paramref name="error"/> says what is wrong and what to write instead.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LinkAddress? address,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        address = null;
        error = null;
        try
        {
            address = ParseOrThrow(text.Trim());
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static LinkAddress ParseOrThrow(string text)
    {
        var colon = text.IndexOf(':');
        var scheme = colon < 0 ? "" : text[..colon].ToLowerInvariant();
        var transport = Transports.Find(scheme);
        string rest;
        if (transport is not null)
            rest = text[(colon + 1)..] is var r && r.StartsWith("//", StringComparison.Ordinal) ? r[2..] : r;
        else if (Transports.All.FirstOrDefault(t => t.ClaimsBare(text)) is { } bare)
            (transport, rest) = (bare, text);
        else
            throw new FormatException(colon < 0 || scheme.Length <= 1 // "C:\..." is a path, not a scheme
                ? $"connection string \"{text}\" has no scheme; write {Transports.ExampleList}"
                : $"connection string \"{text}\" has unknown scheme \"{scheme}\"; use {Transports.Prefixes} (e.g. {Transports.ExampleList})");

        var target = rest;
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (rest.IndexOf('?') is var q and >= 0)
        {
            target = rest[..q];
            foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                var key = (eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
                if (!transport.Options.Any(o => o.Split('=')[0] == key))
                    throw new FormatException($"connection string \"{text}\" has unknown option \"{key}\"; " +
                        (transport.Options.Count == 0 ? $"{transport.Scheme}: takes no options" : $"{transport.Scheme} options are {string.Join(" and ", transport.Options)}"));
                options[key] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }
        return transport.Parse(text, target, options);
    }

}
