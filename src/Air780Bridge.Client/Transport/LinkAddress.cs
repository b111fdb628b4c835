using System.Web;

namespace Air780Bridge.Client.Transport;

/// <summary>
/// Where a module is: <c>serial:///dev/ttyACM0?baud=115200&amp;dtr=on</c> (or <c>serial://COM3</c>) or
/// <c>tcp://host:port</c> (a raw byte stream, as ser2net serves a port).
/// </summary>
public sealed record LinkAddress(string Scheme, string Target, int Port, int Baud, bool Dtr)
{
    public const int DefaultBaud = 115200;

    public bool IsSerial => Scheme == "serial";

    public override string ToString() => IsSerial ? $"serial://{Target}?baud={Baud}" : $"tcp://{Target}:{Port}";

    public static LinkAddress Parse(string text)
    {
        var colon = text.IndexOf("://", StringComparison.Ordinal);
        if (colon < 0)
            throw new FormatException($"connection string \"{text}\" has no scheme; write serial:///dev/ttyACM0 or tcp://host:port");
        var scheme = text[..colon].ToLowerInvariant();
        var rest = text[(colon + 3)..];
        var query = "";
        if (rest.IndexOf('?') is var q and >= 0)
            (rest, query) = (rest[..q], rest[(q + 1)..]);
        var options = HttpUtility.ParseQueryString(query);
        switch (scheme)
        {
            case "serial":
                if (rest.Length == 0)
                    throw new FormatException($"connection string \"{text}\" names no port; write serial:///dev/ttyACM0 (Linux) or serial://COM3 (Windows)");
                var baud = options["baud"] is { } b
                    ? int.TryParse(b, out var parsed) && parsed > 0 ? parsed : throw new FormatException($"baud \"{b}\" in \"{text}\" is not a positive number")
                    : DefaultBaud;
                var dtr = options["dtr"] is not { } d || d is "on" or "1" or "true";
                return new LinkAddress("serial", rest, 0, baud, dtr);
            case "tcp":
                var sep = rest.LastIndexOf(':');
                if (sep <= 0 || !int.TryParse(rest[(sep + 1)..], out var port) || port is < 1 or > 65535)
                    throw new FormatException($"connection string \"{text}\" is not tcp://host:port with a port 1..65535, e.g. tcp://192.168.1.50:4001");
                return new LinkAddress("tcp", rest[..sep].Trim('[', ']'), port, 0, false);
            default:
                throw new FormatException($"connection string \"{text}\" has unknown scheme \"{scheme}\"; use serial:// or tcp://");
        }
    }
}
