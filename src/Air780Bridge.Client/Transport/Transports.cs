using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary>The transport registry: every connection-string scheme the CLI, rigs and the client understand.</summary>
public static class Transports
{
    /// <summary>The one registration a new transport needs.</summary>
    public static readonly IReadOnlyList<ITransport> All = [new SerialTransport(), new TcpTransport(), new TwinTransport()];

    public static ITransport? Find(string scheme) => All.FirstOrDefault(t => t.Scheme == scheme);

    /// <summary>Every example connection string, for help text and error messages.</summary>
    public static string ExampleList => string.Join(", ", All.SelectMany(t => t.Examples));

    /// <summary>"serial://, tcp:// or twin:".</summary>
    public static string Prefixes => string.Join(", ", All.SkipLast(1).Select(t => t.Prefix)) + " or " + All[^1].Prefix;

    public static Task<Stream> OpenAsync(LinkAddress address, ILogger log, CancellationToken ct) => address.Transport.OpenAsync(address, log, ct);
}
