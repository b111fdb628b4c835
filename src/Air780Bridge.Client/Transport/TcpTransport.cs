using System.Globalization;
using System.Net.Sockets;
using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary><c>tcp://host:port</c>: a raw byte stream to the agent, as a serial server (ser2net) or `air780 twin --link tcp` serves it.</summary>
public sealed class TcpTransport : ITransport
{
    public const string Name = "tcp";

    public string Scheme => Name;
    public IReadOnlyList<string> Examples { get; } = ["tcp://host:port"];
    public IReadOnlyList<string> Options { get; } = [];

    public LinkAddress Parse(string text, string target, IReadOnlyDictionary<string, string> options)
    {
        var sep = target.LastIndexOf(':');
        var host = sep <= 0 ? "" : target[..sep].Trim('[', ']');
        if (host.Length == 0 || host.Contains('/') || !int.TryParse(target[(sep + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new FormatException($"connection string \"{text}\" is not tcp://host:port with a port 1..65535, e.g. tcp://192.168.1.50:4001");
        return new LinkAddress(Name, host, port, 0, false);
    }

    public async Task<Stream> OpenAsync(LinkAddress address, ILogger log, CancellationToken ct)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(address.Target, address.Port, ct);
            return client.GetStream();
        }
        catch (SocketException e)
        {
            client.Dispose();
            throw new LinkUnavailableException($"cannot reach {address}: {e.Message}; is the serial server (ser2net) or `air780 twin --link tcp` running?");
        }
    }
}
