using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Air780Bridge.Rigs.RigFiles;

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
