using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Air780Bridge.Rigs.RigFiles;

public enum ConnectionKind
{
    /// <summary>A virtual module (Air780Bridge.Twin) the rig starts in-process.</summary>
    Twin,
    /// <summary>The module's USB virtual serial port or a physical UART.</summary>
    Serial,
    /// <summary>A raw TCP byte stream to the agent (ser2net-style serial server).</summary>
    Tcp,
}

/// <summary>
/// A module connection string: <c>twin:</c>, <c>serial://PORT[?baud=N&amp;dtr=on|off]</c> (PORT is a device path such as
/// /dev/ttyACM0 — hence three slashes — or COM3) or <c>tcp://host:port</c>.
/// </summary>
public sealed record ModuleConnection
{
    public const int DefaultBaud = 115200;

    public ConnectionKind Kind { get; init; }
    /// <summary>Serial device path or name; null for other kinds.</summary>
    public string? SerialPort { get; init; }
    /// <summary>Ignored by the USB virtual serial port, used by physical UARTs.</summary>
    public int Baud { get; init; } = DefaultBaud;
    /// <summary>Assert DTR on open: the Air780 USB port only sends module-to-PC data after DTR or after the host wrote first.</summary>
    public bool Dtr { get; init; } = true;
    /// <summary>Serial server address for <see cref="ConnectionKind.Tcp"/>.</summary>
    public HostPort? Tcp { get; init; }

    public static ModuleConnection Parse(string text) =>
        TryParse(text, out var connection, out var error) ? connection : throw new FormatException(error);

    /// <summary>On failure <paramref name="error"/> says what is wrong and what to write instead.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ModuleConnection? connection, [NotNullWhen(false)] out string? error)
    {
        connection = null;
        var colon = text.IndexOf(':');
        var scheme = colon < 0 ? "" : text[..colon];
        var rest = colon < 0 ? text : text[(colon + 1)..];
        switch (scheme.ToLowerInvariant())
        {
            case "twin":
                if (rest.Length != 0)
                {
                    error = $"connection string \"{text}\" has text after \"twin:\"; write just \"twin:\" (the twin takes its firmware from \"profile\")";
                    return false;
                }
                connection = new ModuleConnection { Kind = ConnectionKind.Twin };
                error = null;
                return true;
            case "serial":
                return TryParseSerial(text, rest, out connection, out error);
            case "tcp":
                if (!rest.StartsWith("//", StringComparison.Ordinal) || !HostPort.TryParse(rest[2..], out var hp, out _) || hp.Port == 0)
                {
                    error = $"connection string \"{text}\" is not tcp://host:port with a port 1..65535; e.g. tcp://192.168.1.50:4001";
                    return false;
                }
                connection = new ModuleConnection { Kind = ConnectionKind.Tcp, Tcp = hp };
                error = null;
                return true;
            default:
                error = colon < 0
                    ? $"connection string \"{text}\" has no scheme; use serial://, tcp:// or twin:"
                    : $"connection string \"{text}\" has unknown scheme \"{scheme}\"; use serial://, tcp:// or twin:";
                return false;
        }
    }

    private static bool TryParseSerial(string text, string rest, out ModuleConnection? connection, out string? error)
    {
        connection = null;
        if (!rest.StartsWith("//", StringComparison.Ordinal) || rest.Length == 2 || rest[2] == '?')
        {
            error = $"connection string \"{text}\" names no port; write serial:///dev/ttyACM0 (Linux) or serial://COM3 (Windows)";
            return false;
        }
        var query = rest.IndexOf('?');
        var port = query < 0 ? rest[2..] : rest[2..query];
        var result = new ModuleConnection { Kind = ConnectionKind.Serial, SerialPort = port };
        if (query >= 0)
        {
            foreach (var pair in rest[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                var key = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? "" : pair[(eq + 1)..];
                switch (key)
                {
                    case "baud" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var baud) && baud > 0:
                        result = result with { Baud = baud };
                        break;
                    case "baud":
                        error = $"connection string \"{text}\" has baud \"{value}\"; use a positive number such as baud=115200";
                        return false;
                    case "dtr" when value is "on" or "off":
                        result = result with { Dtr = value == "on" };
                        break;
                    case "dtr":
                        error = $"connection string \"{text}\" has dtr \"{value}\"; use dtr=on or dtr=off";
                        return false;
                    default:
                        error = $"connection string \"{text}\" has unknown option \"{key}\"; serial options are baud=N and dtr=on|off";
                        return false;
                }
            }
        }
        connection = result;
        error = null;
        return true;
    }

    public override string ToString() => Kind switch
    {
        ConnectionKind.Twin => "twin:",
        ConnectionKind.Tcp => $"tcp://{Tcp}",
        _ => $"serial://{SerialPort}?baud={Baud}&dtr={(Dtr ? "on" : "off")}",
    };
}

/// <summary>A host and port: "host:1883", "10.0.0.5:0", "[::1]:1883".</summary>
public sealed record HostPort(string Host, int Port)
{
    public const string MqttScheme = "mqtt://";
    /// <summary>MQTT over TLS: a remote harness's control channel.</summary>
    public const string MqttsScheme = "mqtts://";

    /// <summary>mqtt://host:port (or <paramref name="scheme"/>) with a real port (an external broker, a remote harness).</summary>
    public static bool TryParseMqttUrl(string text, [NotNullWhen(true)] out HostPort? hostPort, string scheme = MqttScheme)
    {
        hostPort = null;
        return text.StartsWith(scheme, StringComparison.Ordinal) && TryParse(text[scheme.Length..], out hostPort, out _) && hostPort.Port != 0;
    }

    public static HostPort ParseMqttUrl(string text, string scheme = MqttScheme) =>
        TryParseMqttUrl(text, out var hp, scheme) ? hp : throw new FormatException($"\"{text}\" is not {scheme}host:port");

    public static HostPort Parse(string text) =>
        TryParse(text, out var hp, out var error) ? hp : throw new FormatException(error);

    public static bool TryParse(string text, [NotNullWhen(true)] out HostPort? hostPort, [NotNullWhen(false)] out string? error)
    {
        hostPort = null;
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? "" : text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (colon <= 0 || host.Length == 0 || host.Contains('/')
            || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"\"{text}\" is not host:port; write e.g. \"0.0.0.0:1883\" or \"broker.example.com:1883\" (port 0..65535)";
            return false;
        }
        hostPort = new HostPort(host, port);
        error = null;
        return true;
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
